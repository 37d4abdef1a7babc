//! What lowering one file (or one chunk of a large file) yields, before ids are assigned.

use crate::ir::{CallSite, Diagnostic, FnIdx, Function, Macro, Prototype, StructDecl, UseDecl};

/// The facts of one file or chunk. Call sites name their caller by its index in
/// `functions`; [`crate::load`] renumbers both when it merges files.
#[derive(Default)]
pub(crate) struct FileFacts {
    pub functions: Vec<Function>,
    pub calls: Vec<CallSite>,
    pub uses: Vec<UseDecl>,
    pub structs: Vec<StructDecl>,
    pub prototypes: Vec<Prototype>,
    pub macros: Vec<Macro>,
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
        self.prototypes.append(&mut other.prototypes);
        self.macros.append(&mut other.macros);
        self.diagnostics.append(&mut other.diagnostics);
    }
}
