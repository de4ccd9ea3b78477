//! Sources: one module per input format, each turning text into spanned facts.
//! A source knows nothing of the other sources, the model or any output format;
//! shared syntax (YAML, shell words, `.env`) lives in its own module here.

pub mod compose;
pub mod dockerfile;
pub mod dotenv;
pub mod gunicorn;
pub mod k8s;
pub mod nginx;
pub mod procfile;
pub mod python;
pub mod shell;
pub mod supervisord;
pub mod systemd;
pub mod uwsgi;
pub mod yaml;
