//! The site model: which pages exist for a history, at which URLs, with which views.

pub mod cycle;
