//! The built site's files (`/pkg`, icons, manifest), served as compressed at build time.
//!
//! `scripts/build.sh` writes a brotli (`.br`) and a gzip (`.gz`) copy beside each file of the
//! site once; [`SiteFiles`] answers with the copy the browser accepts (`Vary: Accept-Encoding`)
//! and no compression happens per request (the dynamic compression layer leaves responses
//! marked [`SiteFile`] alone).
//!
//! Caching. The app's own assets are linked from pages under `/v/<build>/pkg/…`, where
//! `<build>` is a digest of everything in `pkg/` ([`build_id`]): a new build, even one that
//! changes a single lazily loaded chunk, gives new addresses, so these answers are cached for
//! good (`immutable`). `/pkg/…` itself (what scripts and old links use) must be asked again
//! each time (`no-cache`), answered 304 while its `Last-Modified` stands. The other files
//! (icons, the web manifest, `favicon.ico`) keep their addresses, which installed home-screen
//! apps know: they are fresh for a day, then revalidated the same way, so a second visit asks
//! for nothing but the page while a new icon still arrives within a day.
//!
//! Why not cargo-leptos's `hash-files`: with `--split` it names `mz.js`, `mz.wasm` and each chunk
//! by a digest taken *before* it rewrites the names of the other files inside them, so a
//! name can come back with other content after a build that changed only a lazily loaded
//! page; a browser holding the old file for good would then fail to start the app.

use axum::{
    body::Body,
    extract::Request,
    response::{IntoResponse, Response},
};
use http::{header, HeaderValue, Method, StatusCode, Uri};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Mutex, OnceLock},
};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Marks a response as one of the site's files, which were compressed at build time.
#[derive(Debug, Clone, Copy)]
pub struct SiteFile;

/// Cache policy of an address that names its content for good.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache policy of an address whose content may change: ask again each time (304 if unchanged).
pub const REVALIDATE: &str = "no-cache";
/// Cache policy of the icons and the manifest: fresh for a day, then revalidated.
pub const FOR_A_DAY: &str = "public, max-age=86400";

/// The prefix of the addresses that name this build: `/v/<build>`, or empty when the site has
/// no `pkg/` (tests without a build).
pub fn asset_root(site_root: &str) -> String {
    build_id(site_root)
        .map(|id| format!("/v/{id}"))
        .unwrap_or_default()
}

/// A digest of every file in `<site_root>/pkg` (names and contents; the compressed copies are
/// derived from them and left out), computed once per site root and process.
pub fn build_id(site_root: &str) -> Option<String> {
    static IDS: OnceLock<Mutex<HashMap<String, Option<String>>>> = OnceLock::new();
    let ids = IDS.get_or_init(Default::default);
    let mut ids = ids.lock().unwrap_or_else(|e| e.into_inner());
    ids.entry(site_root.to_owned())
        .or_insert_with(|| digest_pkg(&Path::new(site_root).join("pkg")))
        .clone()
}

fn digest_pkg(pkg: &Path) -> Option<String> {
    let mut files = Vec::new();
    let mut dirs = vec![pkg.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz")) {
                files.push(path);
            }
        }
    }
    if files.is_empty() {
        return None;
    }
    files.sort();
    let mut hash = Sha256::new();
    for f in &files {
        let rel = f.strip_prefix(pkg).unwrap_or(f);
        hash.update(rel.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update(std::fs::read(f).ok()?);
        hash.update([0]);
    }
    Some(hex::encode(&hash.finalize()[..8]))
}

/// The site's files under a site root.
#[derive(Clone)]
pub struct SiteFiles {
    dir: ServeDir,
    build: Option<String>,
}

impl SiteFiles {
    pub fn new(site_root: &str) -> Self {
        let dir = ServeDir::new(PathBuf::from(site_root))
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(false)
            // Fewer, larger reads: the main WASM is a few hundred KB even compressed.
            .with_buf_chunk_size(256 * 1024);
        Self {
            dir,
            build: build_id(site_root),
        }
    }

    /// `GET /v/<build>/pkg/…`: the file of `pkg/`, cached for good when `<build>` is this
    /// build. An address of another build (a page loaded before a deploy) still gets today's
    /// file, but only for this once.
    pub async fn versioned(&self, req: Request) -> Response {
        let path = req.uri().path();
        let Some((build, rest)) = path
            .strip_prefix("/v/")
            .and_then(|p| p.split_once('/'))
            .filter(|(_, rest)| rest.starts_with("pkg/"))
        else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let current = self.build.as_deref() == Some(build);
        let Ok(uri) = format!("/{rest}").parse::<Uri>() else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let (mut parts, _) = req.into_parts();
        parts.uri = uri;
        let policy = if current { IMMUTABLE } else { REVALIDATE };
        match self
            .file(Request::from_parts(parts, Body::empty()), policy)
            .await
        {
            Some(res) => res,
            None => StatusCode::NOT_FOUND.into_response(),
        }
    }

    /// The file at the request's path, or the request back when there is none (to be
    /// answered by the app, with its 404 page).
    pub async fn unversioned(&self, req: Request) -> Result<Response, Request> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return Err(req);
        }
        let policy = if req.uri().path().starts_with("/pkg/") {
            REVALIDATE
        } else {
            FOR_A_DAY
        };
        let (parts, body) = req.into_parts();
        let probe = Request::from_parts(parts.clone(), Body::empty());
        match self.file(probe, policy).await {
            Some(res) => Ok(res),
            None => Err(Request::from_parts(parts, body)),
        }
    }

    async fn file(&self, req: Request, policy: &'static str) -> Option<Response> {
        let Ok(res) = self.dir.clone().oneshot(req).await;
        if res.status() == StatusCode::NOT_FOUND {
            return None;
        }
        let mut res = res.into_response();
        if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
            let h = res.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
            h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        res.extensions_mut().insert(SiteFile);
        Some(res)
    }
}

/// The dynamic compression layer's rule: never a site file (compressed at build time, or not
/// worth compressing).
pub fn not_a_site_file(
    _: StatusCode,
    _: http::Version,
    _: &http::HeaderMap,
    extensions: &http::Extensions,
) -> bool {
    extensions.get::<SiteFile>().is_none()
}
