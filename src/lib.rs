//! abusedefs publishes a versioned registry of DNS-abuse definitions from a git
//! repository. The pipeline: command-line arguments become typed options (`cli`); the
//! registry folder of the working tree or of a commit is read through one loader (`load`)
//! into the content model (`model`), with every problem collected as a diagnostic
//! (`diagnostics`); `history` finds releases on the first-parent line of a branch; `diff`
//! compares two snapshots semantically, with word-level redlines.

pub mod cli;
pub mod diagnostics;
pub mod load;
pub mod model;
