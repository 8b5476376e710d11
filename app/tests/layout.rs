//! The layout check (ARCHITECTURE.md, "What may depend on what"): no import circles anywhere in
//! `app/src` or `server/src`.
//!
//! Every file is a module; a file depends on another when it names it (`use crate::a::b`,
//! `super::x`, or a path written inline). A directory module's `mod.rs` and its own files may
//! use each other (one module in several files); everything else must form no circle: not two
//! services, not a service and the shared code under it, not the crate root and a module. The
//! check reads the source as text (comments and strings removed), which is enough for paths.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// A module's path inside its crate (`["desks", "marriage"]`; the root is empty).
type ModPath = Vec<String>;

struct Crate {
    /// Each module's file, and whether it is a directory module (`mod.rs`, or the root).
    files: BTreeMap<ModPath, (PathBuf, bool)>,
}

fn collect(dir: &Path, prefix: &[String], out: &mut BTreeMap<ModPath, (PathBuf, bool)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            let mut sub = prefix.to_vec();
            sub.push(name);
            collect(&p, &sub, out);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let (path, is_dir) = match stem {
                "mod" => (prefix.to_vec(), true),
                "lib" | "main" if prefix.is_empty() => (vec![], true),
                _ => {
                    let mut v = prefix.to_vec();
                    v.push(stem.to_owned());
                    (v, false)
                }
            };
            // main.rs and lib.rs are two crates' roots; only lib.rs is the library's.
            if stem == "main" && prefix.is_empty() {
                continue;
            }
            out.insert(path, (p, is_dir));
        }
    }
}

/// The source without comments, string and character literals (so SQL and texts never look
/// like paths).
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !prev_ident(&b, i) {
            // Raw string r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{..}'), not a lifetime ('a).
            let close = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&k| b[k] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(k) => {
                    out.push_str("' '");
                    i = k + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_ident(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Expands a `use` tree (`crate::{a::{b, c}, d}`) into its paths.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    fn go(prefix: &str, t: &str, out: &mut Vec<String>) {
        if let Some(open) = t.find('{') {
            let head = &t[..open];
            let body = &t[open + 1..t.len() - 1];
            let mut depth = 0;
            let mut start = 0;
            let bytes: Vec<char> = body.chars().collect();
            let mut parts = vec![];
            for (k, ch) in bytes.iter().enumerate() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        parts.push(bytes[start..k].iter().collect::<String>());
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            parts.push(bytes[start..].iter().collect::<String>());
            for p in parts.into_iter().filter(|p| !p.is_empty()) {
                go(&format!("{prefix}{head}"), &p, out);
            }
        } else {
            let t = t.split(" as ").next().unwrap_or(t);
            out.push(format!("{prefix}{t}"));
        }
    }
    let mut out = vec![];
    go("", &tree, &mut out);
    out
}

/// Every path the module at `module` names, with the module path it is written in (inline
/// `mod x { … }` blocks change what `super` means).
fn paths_of(src: &str, module: &ModPath) -> Vec<(ModPath, String)> {
    let s = strip(src);
    let chars: Vec<char> = s.chars().collect();
    // The module scope at each brace depth: the file's own, then inline modules.
    let file_scope: ModPath = module.clone();
    let mut scopes: Vec<(usize, ModPath)> = vec![];
    let mut depth = 0usize;
    let mut out = vec![];
    let mut i = 0;
    let mut pending_mod: Option<String> = None;
    let scope_of = |scopes: &Vec<(usize, ModPath)>| -> ModPath {
        scopes
            .last()
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| file_scope.clone())
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '{' {
            depth += 1;
            if let Some(name) = pending_mod.take() {
                let mut p = scope_of(&scopes);
                p.push(name);
                scopes.push((depth, p));
            }
            i += 1;
            continue;
        }
        if c == '}' {
            if scopes.last().is_some_and(|(d, _)| *d == depth) {
                scopes.pop();
            }
            depth = depth.saturating_sub(1);
            i += 1;
            continue;
        }
        if c == ';' {
            pending_mod = None;
        }
        if is_ident(c) && !prev_ident(&chars, i) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word == "mod" {
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                let ns = j;
                while j < chars.len() && is_ident(chars[j]) {
                    j += 1;
                }
                pending_mod = Some(chars[ns..j].iter().collect());
                i = j;
                continue;
            }
            if word == "use" {
                let end = (i..chars.len())
                    .find(|&k| chars[k] == ';')
                    .unwrap_or(chars.len());
                let tree: String = chars[i..end].iter().collect();
                for p in expand(&tree) {
                    out.push((scope_of(&scopes), p));
                }
                i = end;
                continue;
            }
            if (word == "crate" || word == "super") && chars.get(i) == Some(&':') {
                let mut j = i;
                while j < chars.len() && (is_ident(chars[j]) || chars[j] == ':') {
                    j += 1;
                }
                if chars.get(j) != Some(&'!') {
                    let p: String = chars[start..j].iter().collect();
                    out.push((scope_of(&scopes), p));
                }
                i = j;
                continue;
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The module a path names: the longest prefix of it that is a module of the crate.
fn resolve(krate: &Crate, scope: &ModPath, path: &str) -> Option<ModPath> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: ModPath = match segs.first()? {
        &"crate" => vec![],
        &"super" | &"self" => {
            // `super`: the module around the one it is written in (a file's folder module, or
            // the file around an inline `mod tests`); `self`: that module itself.
            let mut b = scope.clone();
            if segs[0] == "super" {
                b.pop();
            }
            b
        }
        _ => return None,
    };
    let mut rest = &segs[1..];
    while rest.first() == Some(&"super") {
        base.pop();
        rest = &rest[1..];
    }
    let mut best = base.clone();
    let mut cur = base;
    for s in rest {
        cur.push((*s).to_owned());
        if krate.files.contains_key(&cur) {
            best = cur.clone();
        } else {
            break;
        }
    }
    // An inline module inside a file resolves to that file.
    while !krate.files.contains_key(&best) && !best.is_empty() {
        best.pop();
    }
    Some(best)
}

/// Whether `a` and `b` are one directory module and one of its own files.
fn same_module(krate: &Crate, a: &ModPath, b: &ModPath) -> bool {
    let dir_and_child = |d: &ModPath, c: &ModPath| {
        !d.is_empty()
            && krate.files.get(d).is_some_and(|(_, is_dir)| *is_dir)
            && c.len() == d.len() + 1
            && c.starts_with(d)
    };
    dir_and_child(a, b) || dir_and_child(b, a)
}

fn graph(root: &Path) -> (Crate, BTreeMap<ModPath, BTreeSet<ModPath>>) {
    let mut files = BTreeMap::new();
    collect(root, &[], &mut files);
    let krate = Crate { files };
    let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (module, (file, _)) in &krate.files {
        let src = fs::read_to_string(file).unwrap();
        let set = edges.entry(module.clone()).or_default();
        for (scope, p) in paths_of(&src, module) {
            if let Some(target) = resolve(&krate, &scope, &p) {
                if &target != module && !same_module(&krate, module, &target) {
                    set.insert(target);
                }
            }
        }
    }
    (krate, edges)
}

/// The strongly connected components with more than one module (Tarjan).
fn circles(edges: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct T<'a> {
        edges: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<ModPath, usize>,
        low: BTreeMap<ModPath, usize>,
        stack: Vec<ModPath>,
        on: BTreeSet<ModPath>,
        n: usize,
        out: Vec<Vec<ModPath>>,
    }
    fn visit(t: &mut T, v: &ModPath) {
        t.index.insert(v.clone(), t.n);
        t.low.insert(v.clone(), t.n);
        t.n += 1;
        t.stack.push(v.clone());
        t.on.insert(v.clone());
        let next: Vec<ModPath> = t.edges.get(v).into_iter().flatten().cloned().collect();
        for w in next {
            if !t.index.contains_key(&w) {
                visit(t, &w);
                let lw = t.low[&w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(&w) {
                let iw = t.index[&w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = vec![];
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(&w);
                let done = &w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            if comp.len() > 1 {
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        n: 0,
        out: vec![],
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn name(m: &ModPath) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

fn check(root: &Path) -> Result<usize, String> {
    let (krate, edges) = graph(root);
    let found = circles(&edges);
    if found.is_empty() {
        return Ok(krate.files.len());
    }
    let mut msg = format!("import circles in {}:\n", root.display());
    for comp in found {
        let members: BTreeSet<&ModPath> = comp.iter().collect();
        msg.push_str(&format!(
            "  {}\n",
            comp.iter().map(name).collect::<Vec<_>>().join(", ")
        ));
        for m in &comp {
            for w in edges.get(m).into_iter().flatten() {
                if members.contains(w) {
                    msg.push_str(&format!("    {} -> {}\n", name(m), name(w)));
                }
            }
        }
    }
    Err(msg)
}

#[test]
fn no_module_of_the_app_or_the_server_imports_in_a_circle() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for root in [manifest.join("src"), manifest.join("../server/src")] {
        match check(&root) {
            Ok(n) => assert!(n > 10, "{}: only {n} modules found", root.display()),
            Err(msg) => panic!("{msg}"),
        }
    }
}

#[test]
fn the_check_sees_a_circle_through_use_trees_and_inline_paths() {
    let dir = std::env::temp_dir().join(format!("mz-layout-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::write(dir.join("lib.rs"), "pub mod a; pub mod b; pub mod c;").unwrap();
    fs::write(
        dir.join("a/mod.rs"),
        "pub mod x; use self::x::X; // crate::c in a comment\n",
    )
    .unwrap();
    fs::write(
        dir.join("a/x.rs"),
        "use super::super::{b::{B}, c as C};\nconst S: &str = \"crate::c::nothing\";\n#[cfg(test)] mod tests { use super::*; }",
    )
    .unwrap();
    fs::write(dir.join("b.rs"), "fn f() { let _ = crate::a::x::X; }").unwrap();
    fs::write(dir.join("c.rs"), "").unwrap();
    let err = check(&dir).unwrap_err();
    assert!(
        err.contains("a::x -> b") && err.contains("b -> a::x"),
        "{err}"
    );
    assert!(
        !err.contains("-> c"),
        "comments and strings name nothing: {err}"
    );
    fs::write(dir.join("b.rs"), "").unwrap();
    assert!(
        check(&dir).is_ok(),
        "a directory module and its own files may use each other"
    );
    let _ = fs::remove_dir_all(&dir);
}
