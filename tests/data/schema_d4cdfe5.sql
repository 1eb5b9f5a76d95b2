BEGIN TRANSACTION;
CREATE TABLE accesstoken (
	app_id VARCHAR(64) NOT NULL, 
	token VARCHAR(600) NOT NULL, 
	expires_at DATETIME NOT NULL, 
	fetches INTEGER NOT NULL, 
	PRIMARY KEY (app_id)
);
CREATE TABLE activity (
	id INTEGER NOT NULL, 
	title VARCHAR(80) NOT NULL, 
	community_id VARCHAR(80), 
	audience JSON NOT NULL, 
	starts_at DATETIME NOT NULL, 
	ends_at DATETIME NOT NULL, 
	place VARCHAR(120) NOT NULL, 
	capacity INTEGER NOT NULL, 
	signup_deadline DATETIME NOT NULL, 
	cancel_deadline DATETIME NOT NULL, 
	max_party INTEGER NOT NULL, 
	collect JSON NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	description VARCHAR(1000) NOT NULL, 
	checkin_code VARCHAR(12) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "activity" VALUES(1,'周六上午广场义诊','suzhe','["\u8001\u4eba"]','2026-12-05 01:30:00.000000','2026-12-05 03:30:00.000000','苏辙社区广场',20,'2026-12-04 23:30:00.000000','2026-12-04 23:30:00.000000',1,'["name", "phone"]','published','','123456','2026-11-20 09:00:00.000000','2026-11-20 09:00:00.000000');
CREATE TABLE announcement (
	id INTEGER NOT NULL, 
	text VARCHAR(1000) NOT NULL, 
	link VARCHAR(500) NOT NULL, 
	topic VARCHAR(32) NOT NULL, 
	communities JSON NOT NULL, 
	roles JSON NOT NULL, 
	tags JSON NOT NULL, 
	everyone BOOLEAN NOT NULL, 
	send_at DATETIME NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	sender_id INTEGER, 
	cursor INTEGER NOT NULL, 
	recipients INTEGER NOT NULL, 
	opted_out INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	queued_at DATETIME, 
	reported_at DATETIME, 
	cancelled_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(sender_id) REFERENCES user (id)
);
CREATE TABLE apscheduler_jobs (
	id VARCHAR(191) NOT NULL, 
	next_run_time FLOAT, 
	job_state BLOB NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE attemptcount (
	rule VARCHAR(16) NOT NULL, 
	"key" VARCHAR(40) NOT NULL, 
	failures INTEGER NOT NULL, 
	window_started_at DATETIME NOT NULL, 
	locked_until DATETIME, 
	PRIMARY KEY (rule, "key")
);
CREATE TABLE channelidentity (
	id INTEGER NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	external_id VARCHAR(128) NOT NULL, 
	user_id INTEGER NOT NULL, 
	last_seen_at DATETIME, 
	unsubscribed_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (channel, external_id), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
INSERT INTO "channelidentity" VALUES(1,'console','ann',1,'2026-11-20 09:00:00.000000',NULL);
CREATE TABLE community (
	id VARCHAR(80) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	street VARCHAR(64) NOT NULL, 
	aliases JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "community" VALUES('suzhe','苏辙社区','苏祠街道','[]');
CREATE TABLE conversation (
	user_id INTEGER NOT NULL, 
	flow VARCHAR(32) NOT NULL, 
	data JSON NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (user_id), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
CREATE TABLE invite (
	code VARCHAR(16) NOT NULL, 
	purpose VARCHAR(16) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	community_id VARCHAR(80) NOT NULL, 
	user_id INTEGER, 
	expires_at DATETIME NOT NULL, 
	used_at DATETIME, 
	PRIMARY KEY (code), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
CREATE TABLE knowledgeentry (
	id VARCHAR(80) NOT NULL, 
	category VARCHAR(16) NOT NULL, 
	community_id VARCHAR(80), 
	question VARCHAR NOT NULL, 
	paraphrases JSON NOT NULL, 
	keywords JSON NOT NULL, 
	answer VARCHAR NOT NULL, 
	source VARCHAR NOT NULL, 
	updated_at DATE NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE linkrequest (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	identity_id INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	decided_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES user (id), 
	FOREIGN KEY(identity_id) REFERENCES channelidentity (id)
);
CREATE TABLE noticeoptout (
	user_id INTEGER NOT NULL, 
	topic VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (user_id, topic), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	dedupe_key VARCHAR(160) NOT NULL, 
	ref VARCHAR(40), 
	payload JSON NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	channel VARCHAR(16), 
	claim VARCHAR(120), 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	last_error VARCHAR(300), 
	created_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	announced_at DATETIME, 
	read_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES user (id), 
	UNIQUE (dedupe_key)
);
CREATE TABLE processedmessage (
	channel VARCHAR(16) NOT NULL, 
	msg_id VARCHAR(128) NOT NULL, 
	user_id INTEGER NOT NULL, 
	outcome JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (channel, msg_id), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
CREATE TABLE registration (
	id INTEGER NOT NULL, 
	activity_id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	party INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	name VARCHAR(32), 
	phone VARCHAR(16), 
	waitlist_seq INTEGER, 
	offer_expires_at DATETIME, 
	rating INTEGER, 
	comment VARCHAR(500), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (activity_id, user_id), 
	FOREIGN KEY(activity_id) REFERENCES activity (id), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
INSERT INTO "registration" VALUES(1,1,1,2,'confirmed','安安','13800000000',NULL,NULL,NULL,NULL,'2026-11-20 09:00:00.000000','2026-11-20 09:00:00.000000');
CREATE TABLE reminderlog (
	id INTEGER NOT NULL, 
	registration_id INTEGER NOT NULL, 
	offset_minutes FLOAT NOT NULL, 
	due_at DATETIME NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (registration_id, offset_minutes), 
	FOREIGN KEY(registration_id) REFERENCES registration (id)
);
CREATE TABLE reminderrun (
	id INTEGER NOT NULL, 
	activity_id INTEGER NOT NULL, 
	offset_minutes FLOAT NOT NULL, 
	due_at DATETIME NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	ran_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (activity_id, offset_minutes, due_at), 
	FOREIGN KEY(activity_id) REFERENCES activity (id)
);
CREATE TABLE schedulerlease (
	name VARCHAR(32) NOT NULL, 
	owner VARCHAR(80) NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE shift (
	id INTEGER NOT NULL, 
	post_id INTEGER NOT NULL, 
	template_id INTEGER, 
	activity_id INTEGER, 
	starts_at DATETIME NOT NULL, 
	ends_at DATETIME NOT NULL, 
	slots INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	checkin_code VARCHAR(12) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (template_id, starts_at), 
	FOREIGN KEY(post_id) REFERENCES shiftpost (id), 
	FOREIGN KEY(template_id) REFERENCES shifttemplate (id), 
	FOREIGN KEY(activity_id) REFERENCES activity (id)
);
CREATE TABLE shiftassignment (
	id INTEGER NOT NULL, 
	shift_id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source VARCHAR(16) NOT NULL, 
	assigned_by INTEGER, 
	confirmed_at DATETIME, 
	declined_at DATETIME, 
	stand_in_wanted_at DATETIME, 
	checked_in_at DATETIME, 
	checked_out_at DATETIME, 
	minutes INTEGER, 
	approved_at DATETIME, 
	approved_by INTEGER, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (shift_id, user_id), 
	FOREIGN KEY(shift_id) REFERENCES shift (id), 
	FOREIGN KEY(user_id) REFERENCES user (id), 
	FOREIGN KEY(assigned_by) REFERENCES user (id), 
	FOREIGN KEY(approved_by) REFERENCES user (id)
);
CREATE TABLE shiftpost (
	id INTEGER NOT NULL, 
	title VARCHAR(40) NOT NULL, 
	community_id VARCHAR(80), 
	place VARCHAR(120) NOT NULL, 
	description VARCHAR(500) NOT NULL, 
	skills JSON NOT NULL, 
	coordinator_id INTEGER, 
	active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(coordinator_id) REFERENCES user (id)
);
CREATE TABLE shifttemplate (
	id INTEGER NOT NULL, 
	post_id INTEGER NOT NULL, 
	weekday INTEGER NOT NULL, 
	start_time VARCHAR(5) NOT NULL, 
	minutes INTEGER NOT NULL, 
	slots INTEGER NOT NULL, 
	starts_on DATE NOT NULL, 
	until DATE, 
	activity_id INTEGER, 
	active BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(post_id) REFERENCES shiftpost (id), 
	FOREIGN KEY(activity_id) REFERENCES activity (id)
);
CREATE TABLE unansweredquestion (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	text VARCHAR(2000) NOT NULL, 
	best_entry_id VARCHAR(80), 
	confidence FLOAT, 
	created_at DATETIME NOT NULL, 
	resolved_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
CREATE TABLE user (
	id INTEGER NOT NULL, 
	display_name VARCHAR(64), 
	community_id VARCHAR(80), 
	preferred_channel VARCHAR(16), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "user" VALUES(1,'安安','suzhe',NULL,'2026-11-20 09:00:00.000000');
CREATE TABLE userrole (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	community_id VARCHAR(80) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (user_id, role, community_id), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
CREATE TABLE usertag (
	user_id INTEGER NOT NULL, 
	tag VARCHAR(32) NOT NULL, 
	PRIMARY KEY (user_id, tag), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
CREATE TABLE volunteerskill (
	user_id INTEGER NOT NULL, 
	skill VARCHAR(32) NOT NULL, 
	PRIMARY KEY (user_id, skill), 
	FOREIGN KEY(user_id) REFERENCES user (id)
);
CREATE TABLE wechatnonce (
	timestamp VARCHAR(16) NOT NULL, 
	nonce VARCHAR(64) NOT NULL, 
	digest VARCHAR(64) NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (timestamp, nonce)
);
CREATE INDEX ix_wechatnonce_expires_at ON wechatnonce (expires_at);
CREATE INDEX ix_activity_updated_at ON activity (updated_at);
CREATE INDEX ix_channelidentity_user_id ON channelidentity (user_id);
CREATE INDEX ix_userrole_user_id ON userrole (user_id);
CREATE INDEX ix_outbox_ref ON outbox (ref);
CREATE INDEX ix_outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX ix_outbox_user_id ON outbox (user_id);
CREATE INDEX ix_unansweredquestion_user_id ON unansweredquestion (user_id);
CREATE INDEX ix_unanswered_open ON unansweredquestion (kind, resolved_at);
CREATE INDEX ix_registration_user_id ON registration (user_id);
CREATE INDEX ix_registration_updated_at ON registration (updated_at);
CREATE INDEX ix_registration_activity_status ON registration (activity_id, status);
CREATE INDEX ix_reminderrun_activity_id ON reminderrun (activity_id);
CREATE INDEX ix_announcement_due ON announcement (status, send_at);
CREATE INDEX ix_linkrequest_pending ON linkrequest (user_id, status);
CREATE INDEX ix_shifttemplate_post_id ON shifttemplate (post_id);
CREATE INDEX ix_shift_post_id ON shift (post_id);
CREATE INDEX ix_shift_updated_at ON shift (updated_at);
CREATE INDEX ix_shift_time ON shift (status, starts_at);
CREATE INDEX ix_shiftassignment_updated_at ON shiftassignment (updated_at);
CREATE INDEX ix_assignment_shift_status ON shiftassignment (shift_id, status);
CREATE INDEX ix_shiftassignment_user_id ON shiftassignment (user_id);
CREATE INDEX ix_apscheduler_jobs_next_run_time ON apscheduler_jobs (next_run_time);
COMMIT;
