# Read by gunicorn from the working directory (docker-compose, Dockerfile, benchmarks).
# The access log leaves out the query string and the referrer: a lookup's ?q= holds the name
# that was searched for, and personal data does not belong in logs.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
