//! gunicorn: command line, `GUNICORN_CMD_ARGS`, `gunicorn.conf.py`, and the
//! resolution of every setting with gunicorn's own precedence.

pub mod cli;
pub mod pyconf;
pub mod settings;
