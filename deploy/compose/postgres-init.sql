-- One database per service: no service reads another's tables.
CREATE DATABASE reporting;
CREATE DATABASE evidence;
CREATE DATABASE approval;
CREATE DATABASE scoring;
CREATE DATABASE monitoring;
CREATE DATABASE notifications;
CREATE DATABASE sync;
CREATE DATABASE availability;
CREATE DATABASE integrity;
