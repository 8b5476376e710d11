//! Documents residents upload (photos and PDFs): checked by content, cleaned of location metadata, kept outside the database behind [`FileStore`].
//!
//! An upload is judged by its bytes alone ([`check_upload`]): a name or a claimed Content-Type
//! costs nothing to fake. A phone photo carries where it was taken (EXIF GPS, XMP, sometimes an
//! appended motion-photo video), and a clerk needs none of that, so it is removed before the
//! file is stored. The bytes live in a [`FileStore`] (a folder by default, [`DirStore`]) and
//! the database keeps only the key, so the database stays small and its backups fast.

use img_parts::{jpeg::Jpeg, png::Png, Bytes};
use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

/// Where uploaded documents live. The default is a folder under the data directory; an object store can replace it.
#[async_trait::async_trait]
pub trait FileStore: Send + Sync {
    /// Stores `bytes` under `key` (a key made by [`new_key`]); atomic: a reader never sees half a file (write to a temp file in the same folder, fsync, rename).
    async fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    /// The bytes under `key`, or None.
    async fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>>;
    /// Removes `key` (missing is fine) — used when the database transaction that referenced it did not commit.
    async fn delete(&self, key: &str) -> io::Result<()>;
}

/// A random key: 32 lowercase hex chars (128 random bits, so keys never need coordinating).
pub fn new_key() -> String {
    crate::desks::new_id()
}

/// Whether `key` is one [`new_key`] could have made; nothing else may become a path.
fn valid_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Files in a folder: `<root>/<first two hex chars>/<key>`. Refuses keys that are not 32 lowercase hex (io::ErrorKind::InvalidInput) so no path can escape the root.
///
/// The two-character subfolders keep any one folder to a few thousand entries. A crash in the
/// middle of a put may leave a `.<key>.<random>.tmp` file behind; it is never read as a key.
#[derive(Debug, Clone)]
pub struct DirStore {
    root: PathBuf,
}

impl DirStore {
    /// A store in `root`, created if missing (at start, so a bad path fails before any upload).
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// The folder the files are in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder and the file of `key`, or InvalidInput for a key [`new_key`] cannot make.
    fn locate(&self, key: &str) -> io::Result<(PathBuf, PathBuf)> {
        let shard = key.get(..2).filter(|_| valid_key(key)).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "a file key is 32 lowercase hex characters",
            )
        })?;
        let dir = self.root.join(shard);
        let file = dir.join(key);
        Ok((dir, file))
    }
}

/// Runs file-system work off the async threads (the workspace's tokio has no `fs` feature).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

/// Makes a rename or a new entry in `dir` survive a power cut (Linux needs the folder synced).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Temp file, fsync, rename, fsync of the folder: after a crash the key holds the whole old
/// file, the whole new one, or nothing.
fn put_atomically(root: &Path, dir: &Path, file: &Path, key: &str, bytes: &[u8]) -> io::Result<()> {
    let new_dir = !dir.is_dir();
    fs::create_dir_all(dir)?;
    if new_dir {
        sync_dir(root)?;
    }
    let tmp = dir.join(format!(".{key}.{}.tmp", new_key()));
    let written = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, file)?;
        sync_dir(dir)
    })();
    if written.is_err() {
        // Not there any more once the rename happened; either way nothing is left to clean.
        let _ = fs::remove_file(&tmp);
    }
    written
}

#[async_trait::async_trait]
impl FileStore for DirStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let (dir, file) = self.locate(key)?;
        let (root, key, bytes) = (self.root.clone(), key.to_owned(), bytes.to_vec());
        blocking(move || put_atomically(&root, &dir, &file, &key, &bytes)).await
    }

    async fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        let (_, file) = self.locate(key)?;
        blocking(move || match fs::read(&file) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn delete(&self, key: &str) -> io::Result<()> {
        let (_, file) = self.locate(key)?;
        blocking(move || match fs::remove_file(&file) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        })
        .await
    }
}

/// What an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Jpeg,
    Png,
    Pdf,
}

impl DocKind {
    /// The Content-Type the file is served with.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Pdf => "application/pdf",
        }
    }

    /// The name stored in the database (the same as the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Pdf => "pdf",
        }
    }

    /// The kind [`DocKind::as_str`] named.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "jpeg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            "pdf" => Some(Self::Pdf),
            _ => None,
        }
    }

    /// For a download's file name; never used to decide the type.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Pdf => "pdf",
        }
    }

    /// The kind `infer` reads from the magic numbers, if it is one residents may upload.
    fn sniff(bytes: &[u8]) -> Option<Self> {
        match infer::get(bytes)?.mime_type() {
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "application/pdf" => Some(Self::Pdf),
            _ => None,
        }
    }
}

/// How big and how many; checked before anything is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    pub max_bytes: usize,
    pub max_files: usize,
}

impl Default for UploadLimits {
    /// 10 MiB holds a full-resolution phone photo; ten files hold any one application's papers.
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_files: 10,
        }
    }
}

/// Why an upload was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadRefusal {
    Empty,
    TooLarge,
    WrongType,
    /// A JPEG/PNG whose structure cannot be parsed for metadata removal (truncated, bad CRC,
    /// no image data): storing it would mean storing metadata we could not find.
    Damaged,
}

impl std::fmt::Display for UploadRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Empty => "the file is empty",
            Self::TooLarge => "the file is too large",
            Self::WrongType => "the file is not a JPEG, PNG or PDF",
            Self::Damaged => "the image is damaged",
        })
    }
}

impl std::error::Error for UploadRefusal {}

/// A checked document, cleaned.
///
/// - JPEG: EXIF (APP1 `Exif`, which holds the GPS tags and a thumbnail), XMP (APP1
///   `http://ns.adobe.com/xap/1.0/`), every other APPn segment (IPTC, MPF, maker notes) and
///   comments are removed, before the image data and between progressive scans. Kept: APP0
///   JFIF, the ICC colour profile (APP2 `ICC_PROFILE`) and APP14 `Adobe` (its colour transform
///   decides how the pixels read). Anything after the end-of-image marker (a motion photo's
///   video, an MPF second image, each with its own metadata) is cut off. The EXIF orientation
///   goes with EXIF: a photo taken sideways may show sideways; the clerk can rotate it, and
///   rewriting pixels here would mean decoding untrusted images.
/// - PNG: `eXIf`, `tEXt`, `iTXt` and `zTXt` chunks are removed, and anything after `IEND`.
/// - PDF: stored as it is. Its metadata (author, producer, dates) is not location metadata
///   from a phone camera, and rewriting a PDF safely needs a full PDF parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub kind: DocKind,
    pub bytes: Vec<u8>,
}

/// The type from the content (magic numbers via the `infer` crate), never the name or the claimed Content-Type; size first (before any parsing), then type, then cleaning (see [`Checked`]).
pub fn check_upload(bytes: &[u8], limits: &UploadLimits) -> Result<Checked, UploadRefusal> {
    if bytes.is_empty() {
        return Err(UploadRefusal::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(UploadRefusal::TooLarge);
    }
    let kind = DocKind::sniff(bytes).ok_or(UploadRefusal::WrongType)?;
    let bytes = match kind {
        DocKind::Jpeg => clean_jpeg(bytes)?,
        DocKind::Png => clean_png(bytes)?,
        DocKind::Pdf => bytes.to_vec(),
    };
    Ok(Checked { kind, bytes })
}

mod marker {
    pub const RST0: u8 = 0xD0;
    pub const RST7: u8 = 0xD7;
    pub const EOI: u8 = 0xD9;
    pub const SOS: u8 = 0xDA;
    pub const APP0: u8 = 0xE0;
    pub const APP2: u8 = 0xE2;
    pub const APP14: u8 = 0xEE;
    pub const APP15: u8 = 0xEF;
    pub const COM: u8 = 0xFE;
}

/// The markers img-parts reads and writes a length for. It writes a length for every segment,
/// so a header holding any other marker would come out changed: such a file is refused.
fn img_parts_has_length(m: u8) -> bool {
    matches!(m, 0xC0..=0xCF | marker::RST0..=marker::RST7 | marker::APP0..=marker::APP15
        | marker::SOS | marker::COM | 0xDB | 0xDD)
}

/// Segments that carry metadata rather than what a decoder needs.
fn jpeg_metadata(m: u8, contents: &[u8]) -> bool {
    match m {
        marker::APP0 => !contents.starts_with(b"JFIF\0"),
        marker::APP2 => !contents.starts_with(b"ICC_PROFILE\0"),
        marker::APP14 => !contents.starts_with(b"Adobe"),
        marker::APP0..=marker::APP15 | marker::COM => true,
        _ => false,
    }
}

/// img-parts parses the header (up to the first scan); the rest is walked by [`clean_scans`].
fn clean_jpeg(bytes: &[u8]) -> Result<Vec<u8>, UploadRefusal> {
    use img_parts::jpeg::JpegSegment;
    let damaged = UploadRefusal::Damaged;
    let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|_| damaged)?;
    if !jpeg
        .segments()
        .iter()
        .all(|s| img_parts_has_length(s.marker()))
    {
        return Err(damaged);
    }
    // The parse stops at the first scan, whose "entropy" is the rest of the file; a file that
    // ends before any scan has no image.
    let scan = jpeg
        .segments_mut()
        .pop()
        .filter(|s| s.marker() == marker::SOS && s.has_entropy())
        .ok_or(damaged)?;
    let rest_len = scan.len_with_entropy().saturating_sub(scan.len());
    let rest = bytes
        .len()
        .checked_sub(rest_len)
        .and_then(|start| bytes.get(start..))
        .ok_or(damaged)?;
    let rest = clean_scans(rest)?;
    let segments = jpeg.segments_mut();
    segments.retain(|s| !jpeg_metadata(s.marker(), s.contents()));
    segments.push(JpegSegment::new_with_entropy(
        marker::SOS,
        scan.contents().clone(),
        Bytes::from(rest),
    ));
    Ok(jpeg.encoder().bytes().to_vec())
}

/// The file after the first scan's header: entropy-coded data, and between progressive scans
/// more segments, up to the end-of-image marker. Keeps the image data and the tables, drops
/// metadata segments and everything after the end of the image.
fn clean_scans(rest: &[u8]) -> Result<Vec<u8>, UploadRefusal> {
    let damaged = UploadRefusal::Damaged;
    let mut out = Vec::with_capacity(rest.len());
    // `copied`: where the bytes not yet in `out` start; `at`: where to look for the next 0xFF.
    let (mut copied, mut at) = (0, 0);
    loop {
        let ff = at
            + rest
                .get(at..)
                .and_then(|r| r.iter().position(|&b| b == 0xFF))
                .ok_or(damaged)?;
        // A marker may be preceded by fill bytes (more 0xFF).
        let mut m_at = ff + 1;
        while rest.get(m_at) == Some(&0xFF) {
            m_at += 1;
        }
        let m = *rest.get(m_at).ok_or(damaged)?;
        match m {
            // A stuffed 0xFF in the data, or a restart marker: part of the image data.
            0x00 | marker::RST0..=marker::RST7 => at = m_at + 1,
            marker::EOI => {
                out.extend_from_slice(rest.get(copied..ff).ok_or(damaged)?);
                out.extend_from_slice(&[0xFF, marker::EOI]);
                return Ok(out);
            }
            0xC0..=0xCF | 0xDA..=0xDF | marker::APP0..=marker::APP15 | marker::COM => {
                let Some(&[hi, lo]) = rest.get(m_at + 1..m_at + 3) else {
                    return Err(damaged);
                };
                // The length counts its own two bytes.
                let end = m_at + 1 + usize::from(u16::from_be_bytes([hi, lo]));
                let segment = rest.get(m_at + 1..end).ok_or(damaged)?;
                let contents = segment.get(2..).ok_or(damaged)?;
                out.extend_from_slice(rest.get(copied..ff).ok_or(damaged)?);
                if !jpeg_metadata(m, contents) {
                    out.extend_from_slice(&[0xFF, m]);
                    out.extend_from_slice(segment);
                }
                (copied, at) = (end, end);
            }
            // A second start of image, or a marker no baseline or progressive file has.
            _ => return Err(damaged),
        }
    }
}

/// img-parts checks every chunk's CRC and stops at `IEND`.
fn clean_png(bytes: &[u8]) -> Result<Vec<u8>, UploadRefusal> {
    let damaged = UploadRefusal::Damaged;
    let mut png = Png::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|_| damaged)?;
    let chunks = png.chunks();
    let whole = chunks.first().map(|c| c.kind()) == Some(*b"IHDR")
        && chunks.last().map(|c| c.kind()) == Some(*b"IEND")
        && chunks.iter().any(|c| c.kind() == *b"IDAT");
    if !whole {
        return Err(damaged);
    }
    png.chunks_mut()
        .retain(|c| !matches!(&c.kind(), b"eXIf" | b"tEXt" | b"iTXt" | b"zTXt"));
    Ok(png.encoder().bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn segment(m: u8, contents: &[u8]) -> Vec<u8> {
        let len = u16::try_from(contents.len() + 2).unwrap();
        let mut s = vec![0xFF, m];
        s.extend_from_slice(&len.to_be_bytes());
        s.extend_from_slice(contents);
        s
    }

    /// The tables and the first scan of a 1×1 grey baseline JPEG: all quantisers 1, one
    /// Huffman code (`0`) in each table, so the scan is DC category 0 and EOB: `00`, padded.
    fn jpeg_image() -> Vec<u8> {
        let mut v = segment(0xDB, &[[0u8].as_slice(), &[1; 64]].concat());
        v.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        let table = |class: u8| [[class, 1].as_slice(), &[0; 15], &[0]].concat();
        v.extend(segment(0xC4, &table(0x00)));
        v.extend(segment(0xC4, &table(0x10)));
        v.extend(segment(0xDA, &[1, 1, 0x00, 0, 63, 0]));
        v.push(0x3F);
        v
    }

    fn jfif() -> Vec<u8> {
        segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
    }

    /// A big-endian TIFF whose IFD0 points (tag 0x8825) to a GPS IFD holding GPSLatitudeRef "N".
    fn exif_with_gps() -> Vec<u8> {
        let mut t = b"Exif\0\0MM\0\x2A\0\0\0\x08".to_vec();
        t.extend([0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
        t.extend([
            0, 1, 0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0, 0, 0,
        ]);
        t
    }

    const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>31,14.1N</exif:GPSLatitude></x:xmpmeta>";

    fn with_header(header: &[Vec<u8>]) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        header.iter().for_each(|s| v.extend(s));
        v.extend(jpeg_image());
        v.extend([0xFF, 0xD9]);
        v
    }

    fn markers_of(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
        Jpeg::from_bytes(Bytes::copy_from_slice(jpeg))
            .expect("parses as JPEG")
            .segments()
            .iter()
            .map(|s| (s.marker(), s.contents().to_vec()))
            .collect()
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn ok(bytes: &[u8]) -> Checked {
        check_upload(bytes, &UploadLimits::default()).expect("accepted")
    }

    fn refusal(bytes: &[u8]) -> UploadRefusal {
        check_upload(bytes, &UploadLimits::default()).expect_err("refused")
    }

    #[test]
    fn the_hand_made_jpeg_is_accepted_unchanged() {
        let plain = with_header(&[jfif()]);
        let c = ok(&plain);
        assert_eq!(c.kind, DocKind::Jpeg);
        assert_eq!(c.bytes, plain);
    }

    #[test]
    fn gps_exif_and_xmp_leave_a_jpeg() {
        let icc = segment(0xE2, b"ICC_PROFILE\0\x01\x01fake-profile");
        let adobe = segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01");
        let dirty = with_header(&[
            jfif(),
            segment(0xE1, &exif_with_gps()),
            segment(0xE1, XMP),
            icc.clone(),
            segment(0xE2, b"MPF\0II*\0"),
            segment(0xED, b"Photoshop 3.0\08BIM"),
            segment(0xFE, b"Shot at home"),
            adobe.clone(),
        ]);
        let c = ok(&dirty);
        assert_eq!(c.kind, DocKind::Jpeg);
        assert_eq!(c.bytes.get(..2), Some([0xFF, 0xD8].as_slice()));
        assert_eq!(c.bytes, with_header(&[jfif(), icc, adobe]));
        let markers = markers_of(&c.bytes);
        assert!(markers.iter().all(|(m, _)| *m != 0xE1));
        assert!(!contains(&c.bytes, b"Exif") && !contains(&c.bytes, b"GPSLatitude"));
        // Cleaning a clean file changes nothing.
        assert_eq!(ok(&c.bytes).bytes, c.bytes);
    }

    #[test]
    fn a_motion_photo_loses_what_follows_the_image() {
        let mut dirty = with_header(&[jfif()]);
        dirty.extend(b"\0\0\0\x18ftypmp42....\xA9xyz+31.2304+121.4737/");
        assert_eq!(ok(&dirty).bytes, with_header(&[jfif()]));
    }

    #[test]
    fn metadata_between_progressive_scans_is_dropped_and_tables_kept() {
        let mut dirty = vec![0xFF, 0xD8];
        dirty.extend(jfif());
        dirty.extend(jpeg_image());
        // Stuffed 0xFF and a restart marker are image data; then a table, metadata and a scan.
        dirty.extend([0xFF, 0x00, 0x12, 0xFF, 0xD0, 0x34]);
        let dht = segment(0xC4, &[[0x10u8, 1].as_slice(), &[0; 15], &[0]].concat());
        let sos = segment(0xDA, &[1, 1, 0x00, 1, 63, 0]);
        dirty.extend(&dht);
        dirty.extend(segment(0xE1, &exif_with_gps()));
        dirty.extend(&sos);
        dirty.extend([0x56, 0xFF, 0xFF, 0xD9]);
        let c = ok(&dirty);
        assert!(!contains(&c.bytes, b"Exif"));
        let mut want = with_header(&[jfif()]);
        want.truncate(want.len() - 2);
        want.extend([0xFF, 0x00, 0x12, 0xFF, 0xD0, 0x34]);
        want.extend(dht);
        want.extend(sos);
        want.extend([0x56, 0xFF, 0xD9]);
        assert_eq!(c.bytes, want);
    }

    #[test]
    fn broken_jpegs_are_damaged() {
        assert_eq!(
            refusal(&[0xFF, 0xD8, 0xFF, 0x12, 0x99, 0x00, 0x42]),
            UploadRefusal::Damaged
        );
        let truncated = with_header(&[jfif()]);
        for cut in 3..truncated.len() - 1 {
            let r = check_upload(&truncated[..cut], &UploadLimits::default());
            assert!(
                matches!(r, Err(UploadRefusal::Damaged | UploadRefusal::WrongType)),
                "cut at {cut}: {r:?}"
            );
        }
        // No scan at all.
        let mut no_scan = vec![0xFF, 0xD8];
        no_scan.extend(jfif());
        no_scan.extend([0xFF, 0xD9]);
        assert_eq!(refusal(&no_scan), UploadRefusal::Damaged);
        // A marker img-parts would write back with a length it never had.
        let mut stray = vec![0xFF, 0xD8, 0xFF, 0x01];
        stray.extend(jpeg_image());
        stray.extend([0xFF, 0xD9]);
        assert_eq!(refusal(&stray), UploadRefusal::Damaged);
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        c.extend(crc32(&[kind.as_slice(), data].concat()).to_be_bytes());
        c
    }

    /// A 1×1 grey PNG; IDAT is a stored (uncompressed) zlib block of `[filter 0, pixel 0]`.
    fn png(extra_before_idat: &[Vec<u8>], extra_after_idat: &[Vec<u8>]) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        extra_before_idat.iter().for_each(|c| v.extend(c));
        v.extend(chunk(
            b"IDAT",
            &[
                0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0, 0, 0x00, 0x02, 0x00, 0x01,
            ],
        ));
        extra_after_idat.iter().for_each(|c| v.extend(c));
        v.extend(chunk(b"IEND", &[]));
        v
    }

    #[test]
    fn the_crc_helper_is_right() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn exif_and_text_leave_a_png() {
        let exif = exif_with_gps();
        let dirty = png(
            &[
                chunk(b"tEXt", b"Comment\0Taken at 31.2304N"),
                chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>"),
            ],
            &[chunk(b"eXIf", &exif[6..]), chunk(b"zTXt", b"Raw\0\0x")],
        );
        let c = ok(&dirty);
        assert_eq!(c.kind, DocKind::Png);
        assert_eq!(c.bytes, png(&[], &[]));
        let kinds: Vec<[u8; 4]> = Png::from_bytes(Bytes::from(c.bytes))
            .unwrap()
            .chunks()
            .iter()
            .map(|c| c.kind())
            .collect();
        assert_eq!(kinds, [*b"IHDR", *b"IDAT", *b"IEND"]);
    }

    #[test]
    fn broken_pngs_are_damaged() {
        let mut bad_crc = png(&[], &[]);
        bad_crc[29] ^= 1; // IHDR's CRC
        assert_eq!(refusal(&bad_crc), UploadRefusal::Damaged);
        let whole = png(&[], &[]);
        assert_eq!(refusal(&whole[..whole.len() - 12]), UploadRefusal::Damaged);
        let mut after_end = whole.clone();
        after_end.extend(b"appended");
        assert_eq!(ok(&after_end).bytes, whole);
    }

    #[test]
    fn the_type_comes_from_the_content() {
        let pdf =
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        let c = ok(pdf);
        assert_eq!(c.kind, DocKind::Pdf);
        assert_eq!(c.bytes, pdf);
        assert_eq!(refusal(b"hello"), UploadRefusal::WrongType);
        let exe = [b"MZ\x90\0\x03\0\0\0".as_slice(), &[0; 64]].concat();
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0".as_slice();
        let gif = b"GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff\0\0\0!\xf9\x04\x01\0\0\0\0,".as_slice();
        for other in [exe.as_slice(), zip, gif] {
            assert_eq!(refusal(other), UploadRefusal::WrongType);
        }
        assert_eq!(refusal(b""), UploadRefusal::Empty);
    }

    #[test]
    fn size_is_checked_before_anything_is_parsed() {
        let limits = UploadLimits {
            max_bytes: 16,
            max_files: 1,
        };
        // Damaged if parsed; too large before that.
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(17, 0x42);
        assert_eq!(check_upload(&big, &limits), Err(UploadRefusal::TooLarge));
        assert_eq!(
            check_upload(&big[..16], &limits),
            Err(UploadRefusal::Damaged)
        );
        let d = UploadLimits::default();
        assert_eq!((d.max_bytes, d.max_files), (10 << 20, 10));
        let over = vec![0u8; d.max_bytes + 1];
        assert_eq!(check_upload(&over, &d), Err(UploadRefusal::TooLarge));
    }

    #[test]
    fn random_and_mangled_bytes_never_panic() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x6669_6c65);
        let seeds = [
            Vec::new(),
            vec![0xFF, 0xD8, 0xFF],
            b"\x89PNG\r\n\x1a\n".to_vec(),
            with_header(&[jfif(), segment(0xE1, &exif_with_gps())]),
            png(&[chunk(b"tEXt", b"a\0b")], &[]),
        ];
        let mut accepted = 0;
        for i in 0..2_000 {
            let mut bytes = seeds[i % seeds.len()].clone();
            if bytes.len() > 3 && rng.gen_bool(0.5) {
                for _ in 0..rng.gen_range(1..4) {
                    let at = rng.gen_range(0..bytes.len());
                    bytes[at] = rng.gen();
                }
                let keep = rng.gen_range(1..=bytes.len());
                bytes.truncate(keep);
            } else {
                let extra: usize = rng.gen_range(0..300);
                bytes.extend((0..extra).map(|_| rng.gen::<u8>()));
            }
            if let Ok(c) = check_upload(&bytes, &UploadLimits::default()) {
                accepted += 1;
                // Whatever is accepted is accepted again as it came out, and is clean.
                assert_eq!(ok(&c.bytes), c, "input {bytes:02x?}");
                if c.kind == DocKind::Jpeg {
                    assert!(markers_of(&c.bytes).iter().all(|(m, _)| *m != 0xE1));
                }
            }
        }
        // The mangling reaches both ends: some files survive it, most do not.
        assert!((1..1_000).contains(&accepted), "{accepted} accepted");
    }

    #[test]
    fn kinds_round_trip_their_names() {
        for k in [DocKind::Jpeg, DocKind::Png, DocKind::Pdf] {
            assert_eq!(DocKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
            assert!(k.mime().contains(k.as_str()) || k == DocKind::Pdf);
        }
        assert_eq!(DocKind::parse("JPEG"), None);
        assert_eq!(DocKind::Jpeg.extension(), "jpg");
    }

    /// A fresh folder under the system's temp dir, removed when the test ends.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            Self(std::env::temp_dir().join(format!("files-test-{}", new_key())))
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn keys_are_32_lowercase_hex() {
        let k = new_key();
        assert!(valid_key(&k), "{k}");
        assert_ne!(k, new_key());
    }

    #[tokio::test]
    async fn a_put_is_got_back_and_deleted() {
        let tmp = TempDir::new();
        let store = DirStore::new(tmp.0.join("docs")).unwrap();
        let key = new_key();
        assert_eq!(store.get(&key).await.unwrap(), None);
        store.put(&key, b"first").await.unwrap();
        store.put(&key, b"second").await.unwrap();
        assert_eq!(
            store.get(&key).await.unwrap().as_deref(),
            Some(b"second".as_slice())
        );
        let dir = store.root().join(&key[..2]);
        assert!(dir.join(&key).is_file());
        // No temp file is left behind.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        store.delete(&key).await.unwrap();
        store.delete(&key).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), None);
    }

    #[tokio::test]
    async fn keys_that_could_leave_the_root_are_refused() {
        let tmp = TempDir::new();
        let store = DirStore::new(&tmp.0).unwrap();
        let upper = new_key()
            .to_uppercase()
            .replace(|c: char| c.is_ascii_digit(), "A");
        let bad = [
            "../etc/passwd".to_owned(),
            format!("../{}", &new_key()[3..]),
            upper,
            String::new(),
            "0".repeat(31),
            "0".repeat(33),
            format!("{}/", &new_key()[..31]),
            format!("{}é", &new_key()[..30]),
        ];
        for key in &bad {
            let kind = |r: io::Result<()>| r.unwrap_err().kind();
            assert_eq!(
                kind(store.put(key, b"x").await),
                io::ErrorKind::InvalidInput,
                "{key}"
            );
            assert_eq!(
                store.get(key).await.unwrap_err().kind(),
                io::ErrorKind::InvalidInput
            );
            assert_eq!(kind(store.delete(key).await), io::ErrorKind::InvalidInput);
        }
        assert_eq!(fs::read_dir(&tmp.0).unwrap().count(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_puts_all_land() {
        let tmp = TempDir::new();
        let store = std::sync::Arc::new(DirStore::new(&tmp.0).unwrap());
        let mut tasks = tokio::task::JoinSet::new();
        // Half of them in one subfolder, so its creation races too.
        let keys: Vec<String> = (0..32)
            .map(|i| match i % 2 {
                0 => format!("ab{}", &new_key()[2..]),
                _ => new_key(),
            })
            .collect();
        for (i, key) in keys.iter().cloned().enumerate() {
            let store = store.clone();
            tasks.spawn(async move { store.put(&key, &vec![i as u8; 1000 + i]).await });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap().unwrap();
        }
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(store.get(key).await.unwrap(), Some(vec![i as u8; 1000 + i]));
        }
    }
}
