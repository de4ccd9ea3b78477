//! gunicorn
