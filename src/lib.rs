//! abusedefs publishes a versioned registry of DNS-abuse definitions from a git
//! repository. The pipeline: command-line arguments become typed options (`cli`); the
//! registry folder of the working tree or of a commit is read through one loader (`load`)
//! into the content model (`model`), with every problem collected as a diagnostic
//! (`diagnostics`); `history` walks the first-parent line of a branch and finds the
//! releases; `diff` compares two snapshots semantically, with word-level redlines; `site`
//! decides which pages exist and builds their views, `render` turns them into HTML with
//! Tera and sanitised Markdown, and `output` writes it atomically as it is rendered (or `serve`
//! keeps it in memory for the live preview). `cache` keeps, between builds, the history
//! walk and which parts of the output are up to date, so that a rebuild renders only what
//! changed. Around the pipeline: `lint` checks staff documents against the registry,
//! `demo` builds an example repository with a real history, `embedded` holds the files
//! compiled into the binary, and `timings` reports phase timings when asked.

pub mod cache;
pub mod cli;
pub mod demo;
pub mod diagnostics;
pub mod diff;
pub mod embedded;
pub mod history;
pub mod lint;
pub mod load;
pub mod model;
pub mod output;
pub mod render;
pub mod serve;
pub mod site;
pub mod timings;
