//! What lowering one file (or one chunk of a large file) yields, before ids are assigned.

use crate::ir::{
    CallSite, DECL_TEXT_CAP, Decl, Diagnostic, FnIdx, Function, Macro, Prototype, StructDecl,
    TypeDef, UseDecl,
};

/// The facts of one file or chunk. Call sites name their caller by its index in
/// `functions`; [`crate::load`] renumbers both when it merges files.
#[derive(Default)]
pub(crate) struct FileFacts {
    pub functions: Vec<Function>,
    pub calls: Vec<CallSite>,
    pub uses: Vec<UseDecl>,
    pub structs: Vec<StructDecl>,
    pub types: Vec<TypeDef>,
    pub prototypes: Vec<Prototype>,
    pub macros: Vec<Macro>,
    pub decls: Vec<Decl>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileFacts {
    /// Appends a later chunk of the same file, shifting its caller indices.
    pub(crate) fn append(&mut self, mut other: FileFacts) {
        let base = self.functions.len() as u32;
        for c in &mut other.calls {
            c.caller = FnIdx(c.caller.0 + base);
        }
        self.functions.append(&mut other.functions);
        self.calls.append(&mut other.calls);
        self.uses.append(&mut other.uses);
        self.structs.append(&mut other.structs);
        self.types.append(&mut other.types);
        self.prototypes.append(&mut other.prototypes);
        self.macros.append(&mut other.macros);
        self.decls.append(&mut other.decls);
        self.diagnostics.append(&mut other.diagnostics);
    }
}

/// The text of a declaration, capped at [`DECL_TEXT_CAP`] bytes on a char boundary.
pub(crate) fn decl_text(text: &str) -> String {
    let text = text.trim_end();
    if text.len() <= DECL_TEXT_CAP {
        return text.to_string();
    }
    let mut end = DECL_TEXT_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + '…'.len_utf8());
    out.push_str(&text[..end]);
    out.push('…');
    out
}
