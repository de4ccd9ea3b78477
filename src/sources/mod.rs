//! Sources: one module per input format, each turning text into spanned facts.
//! A source knows nothing of the other sources, the model or any output format.

pub mod gunicorn;
pub mod shell;
pub mod uwsgi;
