# gunicorn.conf.py: gunicorn reads ./gunicorn.conf.py from its working
# directory (/app, see the Dockerfile) when no -c is given.
import multiprocessing

bind = "0.0.0.0:8000"
workers = multiprocessing.cpu_count() * 2 + 1

# nginx waits up to 300s for a response (proxy_read_timeout); the worker kill
# is a backstop that must come after nginx has given up with a clean 504.
timeout = 310

# compose's stop_grace_period (35s) leaves room for this drain.
graceful_timeout = 30
