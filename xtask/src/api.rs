//! `cargo xtask api [--bless]`: the public API of every published crate, as reviewed text.
//!
//! Each crate's source is read (from `src/lib.rs` through its `mod` declarations) and every
//! item declared `pub` is listed with its signature: functions without bodies, structs with
//! their public fields, enums, traits, constants, re-exports, inherent methods gathered per
//! type and the trait implementations of public types. The workspace denies
//! `unreachable_pub`, so an item declared `pub` is reachable from outside. Items under
//! `#[cfg(test)]` or `#[cfg(fuzzing)]` are left out; doc comments and lint attributes do not
//! count. The listing is sorted by item, not by file, so moving code between modules is no
//! change.
//!
//! `ci` compares the listing with `docs/api/<crate>.txt` and fails on any difference, printing
//! it: a change of the public API is then a reviewed diff of that file. `--bless` rewrites the
//! files after a deliberate change.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use syn::{Attribute, ImplItem, Item, TraitItem, Visibility};

/// The crates published to users, whose API is frozen.
const CRATES: &[&str] = &[
    "oidc-core",
    "oidc-jose",
    "oidc-reqwest",
    "oidc-discovery",
    "oidc-token",
    "oidc-loopback",
    "oidc-store",
    "oidc-testop",
    "oidc-desktop",
];

/// Runs the task.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let bless = match args {
        [] => false,
        [a] if a == "--bless" => true,
        _ => return Err("api: usage: cargo xtask api [--bless]".to_owned()),
    };
    let root = crate::interop::workspace_root();
    let out_dir = root.join("docs").join("api");
    let mut changed = Vec::new();
    for name in CRATES {
        let listing = listing(&root.join("crates").join(name).join("src"))?;
        let file = out_dir.join(format!("{name}.txt"));
        let old = fs::read_to_string(&file).unwrap_or_default();
        if old == listing {
            continue;
        }
        if bless {
            fs::create_dir_all(&out_dir).map_err(|e| format!("api: {}: {e}", out_dir.display()))?;
            fs::write(&file, &listing).map_err(|e| format!("api: {}: {e}", file.display()))?;
            println!("api: wrote {}", file.display());
        } else {
            println!(
                "api: the public API of {name} differs from {}:",
                file.display()
            );
            print_diff(&old, &listing);
            changed.push(*name);
        }
    }
    if changed.is_empty() {
        println!(
            "api: the public API of {} crates matches docs/api",
            CRATES.len()
        );
        Ok(())
    } else {
        Err(format!(
            "the public API of {} changed; review the difference above and run `cargo xtask api \
             --bless` to accept it",
            changed.join(", ")
        ))
    }
}

/// Lines only in `old` (`-`) and only in `new` (`+`); both listings are sorted item blocks,
/// so a line set difference reads well enough.
fn print_diff(old: &str, new: &str) {
    let a: BTreeSet<&str> = old.lines().collect();
    let b: BTreeSet<&str> = new.lines().collect();
    for l in old.lines().filter(|l| !b.contains(l)) {
        println!("  - {l}");
    }
    for l in new.lines().filter(|l| !a.contains(l)) {
        println!("  + {l}");
    }
}

/// The public items of the crate whose sources are in `src`.
pub(crate) fn listing(src: &Path) -> Result<String, String> {
    let mut items = Vec::new();
    collect_file(&src.join("lib.rs"), src, "", &mut items)?;
    let public_types: BTreeSet<String> = items
        .iter()
        .filter_map(|(_, i)| match i {
            Item::Struct(s) if is_pub(&s.vis) => Some(s.ident.to_string()),
            Item::Enum(e) if is_pub(&e.vis) => Some(e.ident.to_string()),
            Item::Type(t) if is_pub(&t.vis) => Some(t.ident.to_string()),
            Item::Trait(t) if is_pub(&t.vis) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut blocks: BTreeMap<String, String> = BTreeMap::new();
    let mut methods: BTreeMap<String, (String, BTreeMap<String, String>)> = BTreeMap::new();
    for (module, item) in items {
        let at = if module.is_empty() {
            String::new()
        } else {
            format!("// in `{module}`\n")
        };
        match item {
            Item::Impl(imp) => {
                let Some(ty) = self_type_name(&imp.self_ty) else {
                    continue;
                };
                if !public_types.contains(&ty) {
                    continue;
                }
                if let Some((_, path, _)) = &imp.trait_ {
                    let mut header = imp.clone();
                    // Associated types (`type Output = …`) say what the impl gives.
                    header.items.retain(|i| matches!(i, ImplItem::Type(_)));
                    for i in &mut header.items {
                        if let ImplItem::Type(t) = i {
                            t.attrs.clear();
                        }
                    }
                    header.attrs = kept_attrs(&header.attrs);
                    let text = render(Item::Impl(header));
                    let trait_name = path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default();
                    blocks.insert(format!("{module}::{ty} 2 impl {trait_name} {text}"), text);
                    continue;
                }
                let mut header = imp.clone();
                header.items.clear();
                header.attrs = kept_attrs(&header.attrs);
                let header_text = render(Item::Impl(header));
                let entry = methods
                    .entry(format!("{module}::{ty} 1 {header_text}"))
                    .or_insert_with(|| (format!("{at}{header_text}"), BTreeMap::new()));
                for it in &imp.items {
                    if let Some((name, text)) = impl_item(it) {
                        entry.1.insert(name, text);
                    }
                }
            }
            other => {
                if let Some((key, text)) = plain_item(other) {
                    blocks.insert(format!("{module}::{key}"), format!("{at}{text}"));
                }
            }
        }
    }
    for (key, (header, members)) in methods {
        if members.is_empty() {
            continue;
        }
        let body: String = members
            .values()
            .map(|m| indent(m))
            .collect::<Vec<_>>()
            .join("");
        let open = header.trim_end().trim_end_matches("{}").trim_end();
        blocks.insert(key, format!("{open} {{\n{body}}}\n"));
    }
    let mut out = String::new();
    for text in blocks.values() {
        out.push_str(text);
        out.push('\n');
    }
    Ok(out)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_owned()
            } else {
                format!("    {l}\n")
            }
        })
        .collect()
}

/// An item and the path of public modules it is declared in (`""` at the crate root; a
/// private module's items count as the parent's, which re-exports them).
type Found = (String, Item);

/// Reads `file` and the files of its `mod` declarations (`dir` is where they live).
fn collect_file(file: &Path, dir: &Path, module: &str, out: &mut Vec<Found>) -> Result<(), String> {
    let text = fs::read_to_string(file).map_err(|e| format!("api: {}: {e}", file.display()))?;
    let parsed = syn::parse_file(&text).map_err(|e| format!("api: {}: {e}", file.display()))?;
    collect_items(parsed.items, dir, module, out)
}

fn collect_items(
    items: Vec<Item>,
    dir: &Path,
    module: &str,
    out: &mut Vec<Found>,
) -> Result<(), String> {
    for item in items {
        if excluded(attrs_of(&item)) {
            continue;
        }
        match item {
            Item::Mod(m) => {
                let child_dir = dir.join(m.ident.to_string());
                let child = if is_pub(&m.vis) {
                    let mut decl = m.clone();
                    decl.content = None;
                    decl.semi = Some(Default::default());
                    out.push((module.to_owned(), Item::Mod(decl)));
                    if module.is_empty() {
                        m.ident.to_string()
                    } else {
                        format!("{module}::{}", m.ident)
                    }
                } else {
                    module.to_owned()
                };
                match m.content {
                    Some((_, inner)) => collect_items(inner, &child_dir, &child, out)?,
                    None => {
                        let name = m.ident.to_string();
                        let file = [dir.join(format!("{name}.rs")), child_dir.join("mod.rs")]
                            .into_iter()
                            .find(|p| p.is_file())
                            .ok_or_else(|| {
                                format!("api: no file for `mod {name}` in {}", dir.display())
                            })?;
                        collect_file(&file, &child_dir, &child, out)?;
                    }
                }
            }
            other => out.push((module.to_owned(), other)),
        }
    }
    Ok(())
}

fn attrs_of(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// `#[cfg(test)]`, `#[cfg(fuzzing)]` (not part of the API users build).
fn excluded(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| match &a.meta {
        syn::Meta::List(list) if a.path().is_ident("cfg") => {
            let cond = list.tokens.to_string().replace(' ', "");
            cond == "test" || cond == "fuzzing"
        }
        _ => false,
    })
}

/// Attributes that are part of the API: derives, `non_exhaustive`, `cfg`, `deprecated`,
/// `macro_export`, `repr`.
fn kept_attrs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| {
            [
                "derive",
                "non_exhaustive",
                "cfg",
                "deprecated",
                "macro_export",
                "repr",
            ]
            .iter()
            .any(|k| a.path().is_ident(k))
        })
        .cloned()
        .collect()
}

fn is_pub(v: &Visibility) -> bool {
    matches!(v, Visibility::Public(_))
}

fn self_type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => self_type_name(&r.elem),
        _ => None,
    }
}

fn render(item: Item) -> String {
    let text = prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![item],
    });
    signature_only(&text)
}

/// Bodies were emptied to `{}`; a signature ends with `;` instead.
fn signature_only(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim() == "{}" && !out.is_empty() {
            if let Some(last) = out.last_mut() {
                last.push(';');
            }
        } else if let Some(head) = line.strip_suffix(" {}") {
            if head.trim_start().starts_with("impl") {
                out.push(line.to_owned());
            } else {
                out.push(format!("{head};"));
            }
        } else {
            out.push(line.to_owned());
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// `mut` on a parameter is the body's business, not the caller's.
fn drop_mut(sig: &mut syn::Signature) {
    for arg in &mut sig.inputs {
        match arg {
            syn::FnArg::Receiver(r) => {
                if r.reference.is_none() {
                    r.mutability = None;
                }
            }
            syn::FnArg::Typed(t) => {
                if let syn::Pat::Ident(p) = &mut *t.pat {
                    p.mutability = None;
                }
            }
        }
    }
}

fn empty_block() -> syn::Block {
    syn::Block {
        brace_token: Default::default(),
        stmts: Vec::new(),
    }
}

/// A top-level public item: its sort key and text.
fn plain_item(item: Item) -> Option<(String, String)> {
    let (kind, name, item) = match item {
        Item::Fn(mut f) if is_pub(&f.vis) => {
            f.attrs = kept_attrs(&f.attrs);
            f.block = Box::new(empty_block());
            drop_mut(&mut f.sig);
            ("fn", f.sig.ident.to_string(), Item::Fn(f))
        }
        Item::Struct(mut s) if is_pub(&s.vis) => {
            s.attrs = kept_attrs(&s.attrs);
            let mut private = false;
            if let syn::Fields::Named(named) = &mut s.fields {
                let before = named.named.len();
                named.named = named
                    .named
                    .clone()
                    .into_iter()
                    .filter(|f| is_pub(&f.vis))
                    .map(|mut f| {
                        f.attrs = kept_attrs(&f.attrs);
                        f
                    })
                    .collect();
                private = named.named.len() != before;
            }
            if let syn::Fields::Unnamed(unnamed) = &mut s.fields {
                private = unnamed.unnamed.iter().any(|f| !is_pub(&f.vis));
                if private {
                    unnamed.unnamed.clear();
                }
            }
            let name = s.ident.to_string();
            let text = render(Item::Struct(s));
            let text = if private {
                format!("// {name} has private fields\n{text}")
            } else {
                text
            };
            return Some((format!("{name} 0 struct"), text));
        }
        Item::Enum(mut e) if is_pub(&e.vis) => {
            e.attrs = kept_attrs(&e.attrs);
            for v in &mut e.variants {
                v.attrs = kept_attrs(&v.attrs);
                for f in &mut v.fields {
                    f.attrs = kept_attrs(&f.attrs);
                }
            }
            ("enum", e.ident.to_string(), Item::Enum(e))
        }
        Item::Trait(mut t) if is_pub(&t.vis) => {
            t.attrs = kept_attrs(&t.attrs);
            for it in &mut t.items {
                if let TraitItem::Fn(f) = it {
                    f.attrs = kept_attrs(&f.attrs);
                    drop_mut(&mut f.sig);
                    if f.default.is_some() {
                        f.default = Some(empty_block());
                    }
                }
                if let TraitItem::Type(ty) = it {
                    ty.attrs = kept_attrs(&ty.attrs);
                }
                if let TraitItem::Const(c) = it {
                    c.attrs = kept_attrs(&c.attrs);
                }
            }
            ("trait", t.ident.to_string(), Item::Trait(t))
        }
        Item::Const(mut c) if is_pub(&c.vis) => {
            c.attrs = kept_attrs(&c.attrs);
            ("const", c.ident.to_string(), Item::Const(c))
        }
        Item::Static(mut s) if is_pub(&s.vis) => {
            s.attrs = kept_attrs(&s.attrs);
            ("static", s.ident.to_string(), Item::Static(s))
        }
        Item::Type(mut t) if is_pub(&t.vis) => {
            t.attrs = kept_attrs(&t.attrs);
            ("type", t.ident.to_string(), Item::Type(t))
        }
        Item::Use(mut u) if is_pub(&u.vis) => {
            u.attrs = kept_attrs(&u.attrs);
            let text = render(Item::Use(u));
            return Some((format!("~use {text}"), text));
        }
        Item::Mod(mut m) if is_pub(&m.vis) => {
            m.attrs = kept_attrs(&m.attrs);
            ("mod", m.ident.to_string(), Item::Mod(m))
        }
        Item::Macro(mut m) if m.attrs.iter().any(|a| a.path().is_ident("macro_export")) => {
            m.attrs = kept_attrs(&m.attrs);
            let name = m
                .ident
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            // The macro's rules are its signature, but printing them is noise: the name.
            return Some((
                format!("{name} 0 macro"),
                format!("#[macro_export]\nmacro_rules! {name} {{ .. }}\n"),
            ));
        }
        _ => return None,
    };
    Some((format!("{name} 0 {kind}"), render(item)))
}

/// A public method, constant or type of an inherent impl: its name and text.
fn impl_item(item: &ImplItem) -> Option<(String, String)> {
    match item {
        ImplItem::Fn(f) if is_pub(&f.vis) && !excluded(&f.attrs) => {
            let mut f = f.clone();
            f.attrs = kept_attrs(&f.attrs);
            f.block = empty_block();
            drop_mut(&mut f.sig);
            let name = f.sig.ident.to_string();
            // Rendered as a free function, then read as a method: same text.
            let item = syn::ItemFn {
                attrs: f.attrs,
                vis: f.vis,
                sig: f.sig,
                block: Box::new(f.block),
            };
            Some((name, render(Item::Fn(item))))
        }
        ImplItem::Const(c) if is_pub(&c.vis) && !excluded(&c.attrs) => {
            let mut c = c.clone();
            c.attrs = kept_attrs(&c.attrs);
            let item = syn::ItemConst {
                attrs: c.attrs,
                vis: c.vis,
                const_token: c.const_token,
                ident: c.ident,
                generics: c.generics,
                colon_token: c.colon_token,
                ty: Box::new(c.ty),
                eq_token: c.eq_token,
                expr: Box::new(c.expr),
                semi_token: c.semi_token,
            };
            Some((item.ident.to_string(), render(Item::Const(item))))
        }
        _ => None,
    }
}
