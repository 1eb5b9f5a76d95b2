--
-- PostgreSQL database dump
--

\restrict 7LUmzoFLqYXjccAJs8cUoIZf4LjidjpdaCHfDBaxqFyRRskLl9ntlgA0cNGllHR

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: public; Type: SCHEMA; Schema: -; Owner: -
--

-- *not* creating schema, since initdb creates it


--
-- Name: SCHEMA public; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA public IS '';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: accesstoken; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accesstoken (
    app_id character varying(64) NOT NULL,
    token character varying(600) NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    fetches integer NOT NULL
);


--
-- Name: activity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.activity (
    id integer NOT NULL,
    title character varying(80) NOT NULL,
    community_id character varying(80),
    audience json NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    place character varying(120) NOT NULL,
    capacity integer NOT NULL,
    signup_deadline timestamp with time zone NOT NULL,
    cancel_deadline timestamp with time zone NOT NULL,
    max_party integer NOT NULL,
    collect json NOT NULL,
    status character varying(16) NOT NULL,
    description character varying(1000) NOT NULL,
    checkin_code character varying(12) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: activity_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.activity_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: activity_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.activity_id_seq OWNED BY public.activity.id;


--
-- Name: announcement; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.announcement (
    id integer NOT NULL,
    text character varying(1000) NOT NULL,
    link character varying(500) NOT NULL,
    topic character varying(32) NOT NULL,
    communities json NOT NULL,
    roles json NOT NULL,
    tags json NOT NULL,
    everyone boolean NOT NULL,
    send_at timestamp with time zone NOT NULL,
    status character varying(16) NOT NULL,
    sender_id integer,
    cursor integer NOT NULL,
    recipients integer NOT NULL,
    opted_out integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    queued_at timestamp with time zone,
    reported_at timestamp with time zone,
    cancelled_at timestamp with time zone
);


--
-- Name: announcement_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.announcement_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: announcement_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.announcement_id_seq OWNED BY public.announcement.id;


--
-- Name: apscheduler_jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.apscheduler_jobs (
    id character varying(191) NOT NULL,
    next_run_time double precision,
    job_state bytea NOT NULL
);


--
-- Name: attemptcount; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.attemptcount (
    rule character varying(16) NOT NULL,
    key character varying(40) NOT NULL,
    failures integer NOT NULL,
    window_started_at timestamp with time zone NOT NULL,
    locked_until timestamp with time zone
);


--
-- Name: channelidentity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.channelidentity (
    id integer NOT NULL,
    channel character varying(16) NOT NULL,
    external_id character varying(128) NOT NULL,
    user_id integer NOT NULL,
    last_seen_at timestamp with time zone,
    unsubscribed_at timestamp with time zone
);


--
-- Name: channelidentity_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.channelidentity_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: channelidentity_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.channelidentity_id_seq OWNED BY public.channelidentity.id;


--
-- Name: community; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.community (
    id character varying(80) NOT NULL,
    name character varying(64) NOT NULL,
    street character varying(64) NOT NULL,
    aliases json NOT NULL
);


--
-- Name: conversation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.conversation (
    user_id integer NOT NULL,
    flow character varying(32) NOT NULL,
    data json NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: invite; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invite (
    code character varying(16) NOT NULL,
    purpose character varying(16) NOT NULL,
    role character varying(16) NOT NULL,
    community_id character varying(80) NOT NULL,
    user_id integer,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone
);


--
-- Name: knowledgeentry; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.knowledgeentry (
    id character varying(80) NOT NULL,
    category character varying(16) NOT NULL,
    community_id character varying(80),
    question character varying NOT NULL,
    paraphrases json NOT NULL,
    keywords json NOT NULL,
    answer character varying NOT NULL,
    source character varying NOT NULL,
    updated_at date NOT NULL
);


--
-- Name: linkrequest; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.linkrequest (
    id integer NOT NULL,
    user_id integer NOT NULL,
    identity_id integer NOT NULL,
    status character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    decided_at timestamp with time zone
);


--
-- Name: linkrequest_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.linkrequest_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: linkrequest_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.linkrequest_id_seq OWNED BY public.linkrequest.id;


--
-- Name: noticeoptout; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.noticeoptout (
    user_id integer NOT NULL,
    topic character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    id integer NOT NULL,
    user_id integer NOT NULL,
    kind character varying(32) NOT NULL,
    dedupe_key character varying(160) NOT NULL,
    ref character varying(40),
    payload json NOT NULL,
    status character varying(16) NOT NULL,
    channel character varying(16),
    claim character varying(120),
    attempts integer NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    last_error character varying(300),
    created_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    announced_at timestamp with time zone,
    read_at timestamp with time zone
);


--
-- Name: outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outbox_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: outbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.outbox_id_seq OWNED BY public.outbox.id;


--
-- Name: processedmessage; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.processedmessage (
    channel character varying(16) NOT NULL,
    msg_id character varying(128) NOT NULL,
    user_id integer NOT NULL,
    outcome json NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: registration; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.registration (
    id integer NOT NULL,
    activity_id integer NOT NULL,
    user_id integer NOT NULL,
    party integer NOT NULL,
    status character varying(16) NOT NULL,
    name character varying(32),
    phone character varying(16),
    waitlist_seq integer,
    offer_expires_at timestamp with time zone,
    rating integer,
    comment character varying(500),
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: registration_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.registration_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: registration_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.registration_id_seq OWNED BY public.registration.id;


--
-- Name: reminderlog; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reminderlog (
    id integer NOT NULL,
    registration_id integer NOT NULL,
    offset_minutes double precision NOT NULL,
    due_at timestamp with time zone NOT NULL,
    outcome character varying(16) NOT NULL,
    recorded_at timestamp with time zone NOT NULL
);


--
-- Name: reminderlog_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.reminderlog_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: reminderlog_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.reminderlog_id_seq OWNED BY public.reminderlog.id;


--
-- Name: reminderrun; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reminderrun (
    id integer NOT NULL,
    activity_id integer NOT NULL,
    offset_minutes double precision NOT NULL,
    due_at timestamp with time zone NOT NULL,
    outcome character varying(16) NOT NULL,
    ran_at timestamp with time zone NOT NULL
);


--
-- Name: reminderrun_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.reminderrun_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: reminderrun_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.reminderrun_id_seq OWNED BY public.reminderrun.id;


--
-- Name: schedulerlease; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schedulerlease (
    name character varying(32) NOT NULL,
    owner character varying(80) NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: shift; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.shift (
    id integer NOT NULL,
    post_id integer NOT NULL,
    template_id integer,
    activity_id integer,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    slots integer NOT NULL,
    status character varying(16) NOT NULL,
    checkin_code character varying(12) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: shift_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.shift_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: shift_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.shift_id_seq OWNED BY public.shift.id;


--
-- Name: shiftassignment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.shiftassignment (
    id integer NOT NULL,
    shift_id integer NOT NULL,
    user_id integer NOT NULL,
    status character varying(16) NOT NULL,
    source character varying(16) NOT NULL,
    assigned_by integer,
    confirmed_at timestamp with time zone,
    declined_at timestamp with time zone,
    stand_in_wanted_at timestamp with time zone,
    checked_in_at timestamp with time zone,
    checked_out_at timestamp with time zone,
    minutes integer,
    approved_at timestamp with time zone,
    approved_by integer,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: shiftassignment_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.shiftassignment_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: shiftassignment_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.shiftassignment_id_seq OWNED BY public.shiftassignment.id;


--
-- Name: shiftpost; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.shiftpost (
    id integer NOT NULL,
    title character varying(40) NOT NULL,
    community_id character varying(80),
    place character varying(120) NOT NULL,
    description character varying(500) NOT NULL,
    skills json NOT NULL,
    coordinator_id integer,
    active boolean NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: shiftpost_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.shiftpost_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: shiftpost_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.shiftpost_id_seq OWNED BY public.shiftpost.id;


--
-- Name: shifttemplate; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.shifttemplate (
    id integer NOT NULL,
    post_id integer NOT NULL,
    weekday integer NOT NULL,
    start_time character varying(5) NOT NULL,
    minutes integer NOT NULL,
    slots integer NOT NULL,
    starts_on date NOT NULL,
    until date,
    activity_id integer,
    active boolean NOT NULL
);


--
-- Name: shifttemplate_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.shifttemplate_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: shifttemplate_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.shifttemplate_id_seq OWNED BY public.shifttemplate.id;


--
-- Name: unansweredquestion; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.unansweredquestion (
    id integer NOT NULL,
    user_id integer NOT NULL,
    channel character varying(16) NOT NULL,
    kind character varying(16) NOT NULL,
    text character varying(2000) NOT NULL,
    best_entry_id character varying(80),
    confidence double precision,
    created_at timestamp with time zone NOT NULL,
    resolved_at timestamp with time zone
);


--
-- Name: unansweredquestion_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.unansweredquestion_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: unansweredquestion_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.unansweredquestion_id_seq OWNED BY public.unansweredquestion.id;


--
-- Name: user; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."user" (
    id integer NOT NULL,
    display_name character varying(64),
    community_id character varying(80),
    preferred_channel character varying(16),
    created_at timestamp with time zone NOT NULL
);


--
-- Name: user_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.user_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: user_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.user_id_seq OWNED BY public."user".id;


--
-- Name: userrole; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.userrole (
    id integer NOT NULL,
    user_id integer NOT NULL,
    role character varying(16) NOT NULL,
    community_id character varying(80) NOT NULL
);


--
-- Name: userrole_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.userrole_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: userrole_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.userrole_id_seq OWNED BY public.userrole.id;


--
-- Name: usertag; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usertag (
    user_id integer NOT NULL,
    tag character varying(32) NOT NULL
);


--
-- Name: volunteerskill; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.volunteerskill (
    user_id integer NOT NULL,
    skill character varying(32) NOT NULL
);


--
-- Name: wechatnonce; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.wechatnonce (
    "timestamp" character varying(16) NOT NULL,
    nonce character varying(64) NOT NULL,
    digest character varying(64) NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: activity id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.activity ALTER COLUMN id SET DEFAULT nextval('public.activity_id_seq'::regclass);


--
-- Name: announcement id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.announcement ALTER COLUMN id SET DEFAULT nextval('public.announcement_id_seq'::regclass);


--
-- Name: channelidentity id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.channelidentity ALTER COLUMN id SET DEFAULT nextval('public.channelidentity_id_seq'::regclass);


--
-- Name: linkrequest id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.linkrequest ALTER COLUMN id SET DEFAULT nextval('public.linkrequest_id_seq'::regclass);


--
-- Name: outbox id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox ALTER COLUMN id SET DEFAULT nextval('public.outbox_id_seq'::regclass);


--
-- Name: registration id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.registration ALTER COLUMN id SET DEFAULT nextval('public.registration_id_seq'::regclass);


--
-- Name: reminderlog id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminderlog ALTER COLUMN id SET DEFAULT nextval('public.reminderlog_id_seq'::regclass);


--
-- Name: reminderrun id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminderrun ALTER COLUMN id SET DEFAULT nextval('public.reminderrun_id_seq'::regclass);


--
-- Name: shift id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shift ALTER COLUMN id SET DEFAULT nextval('public.shift_id_seq'::regclass);


--
-- Name: shiftassignment id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftassignment ALTER COLUMN id SET DEFAULT nextval('public.shiftassignment_id_seq'::regclass);


--
-- Name: shiftpost id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftpost ALTER COLUMN id SET DEFAULT nextval('public.shiftpost_id_seq'::regclass);


--
-- Name: shifttemplate id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shifttemplate ALTER COLUMN id SET DEFAULT nextval('public.shifttemplate_id_seq'::regclass);


--
-- Name: unansweredquestion id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unansweredquestion ALTER COLUMN id SET DEFAULT nextval('public.unansweredquestion_id_seq'::regclass);


--
-- Name: user id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."user" ALTER COLUMN id SET DEFAULT nextval('public.user_id_seq'::regclass);


--
-- Name: userrole id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userrole ALTER COLUMN id SET DEFAULT nextval('public.userrole_id_seq'::regclass);


--
-- Data for Name: accesstoken; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: activity; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.activity VALUES (1, '周六上午广场义诊', 'suzhe', '["\u8001\u4eba"]', '2026-12-05 01:30:00+00', '2026-12-05 03:30:00+00', '苏辙社区广场', 20, '2026-12-04 23:30:00+00', '2026-12-04 23:30:00+00', 1, '["name", "phone"]', 'published', '', '123456', '2026-11-20 09:00:00+00', '2026-11-20 09:00:00+00');


--
-- Data for Name: announcement; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: apscheduler_jobs; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: attemptcount; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: channelidentity; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.channelidentity VALUES (1, 'console', 'ann', 1, '2026-11-20 09:00:00+00', NULL);


--
-- Data for Name: community; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.community VALUES ('suzhe', '苏辙社区', '苏祠街道', '[]');


--
-- Data for Name: conversation; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: invite; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: knowledgeentry; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: linkrequest; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: noticeoptout; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: outbox; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: processedmessage; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: registration; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.registration VALUES (1, 1, 1, 2, 'confirmed', '安安', '13800000000', NULL, NULL, NULL, NULL, '2026-11-20 09:00:00+00', '2026-11-20 09:00:00+00');


--
-- Data for Name: reminderlog; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: reminderrun; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: schedulerlease; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: shift; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: shiftassignment; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: shiftpost; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: shifttemplate; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: unansweredquestion; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: user; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public."user" VALUES (1, '安安', 'suzhe', NULL, '2026-11-20 09:00:00+00');


--
-- Data for Name: userrole; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: usertag; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: volunteerskill; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: wechatnonce; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Name: activity_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.activity_id_seq', 1, false);


--
-- Name: announcement_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.announcement_id_seq', 1, false);


--
-- Name: channelidentity_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.channelidentity_id_seq', 1, true);


--
-- Name: linkrequest_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.linkrequest_id_seq', 1, false);


--
-- Name: outbox_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.outbox_id_seq', 1, false);


--
-- Name: registration_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.registration_id_seq', 1, false);


--
-- Name: reminderlog_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.reminderlog_id_seq', 1, false);


--
-- Name: reminderrun_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.reminderrun_id_seq', 1, false);


--
-- Name: shift_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.shift_id_seq', 1, false);


--
-- Name: shiftassignment_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.shiftassignment_id_seq', 1, false);


--
-- Name: shiftpost_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.shiftpost_id_seq', 1, false);


--
-- Name: shifttemplate_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.shifttemplate_id_seq', 1, false);


--
-- Name: unansweredquestion_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.unansweredquestion_id_seq', 1, false);


--
-- Name: user_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.user_id_seq', 1, false);


--
-- Name: userrole_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.userrole_id_seq', 1, false);


--
-- Name: accesstoken accesstoken_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accesstoken
    ADD CONSTRAINT accesstoken_pkey PRIMARY KEY (app_id);


--
-- Name: activity activity_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.activity
    ADD CONSTRAINT activity_pkey PRIMARY KEY (id);


--
-- Name: announcement announcement_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.announcement
    ADD CONSTRAINT announcement_pkey PRIMARY KEY (id);


--
-- Name: apscheduler_jobs apscheduler_jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apscheduler_jobs
    ADD CONSTRAINT apscheduler_jobs_pkey PRIMARY KEY (id);


--
-- Name: attemptcount attemptcount_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attemptcount
    ADD CONSTRAINT attemptcount_pkey PRIMARY KEY (rule, key);


--
-- Name: channelidentity channelidentity_channel_external_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.channelidentity
    ADD CONSTRAINT channelidentity_channel_external_id_key UNIQUE (channel, external_id);


--
-- Name: channelidentity channelidentity_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.channelidentity
    ADD CONSTRAINT channelidentity_pkey PRIMARY KEY (id);


--
-- Name: community community_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.community
    ADD CONSTRAINT community_pkey PRIMARY KEY (id);


--
-- Name: conversation conversation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversation
    ADD CONSTRAINT conversation_pkey PRIMARY KEY (user_id);


--
-- Name: invite invite_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invite
    ADD CONSTRAINT invite_pkey PRIMARY KEY (code);


--
-- Name: knowledgeentry knowledgeentry_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.knowledgeentry
    ADD CONSTRAINT knowledgeentry_pkey PRIMARY KEY (id);


--
-- Name: linkrequest linkrequest_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.linkrequest
    ADD CONSTRAINT linkrequest_pkey PRIMARY KEY (id);


--
-- Name: noticeoptout noticeoptout_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.noticeoptout
    ADD CONSTRAINT noticeoptout_pkey PRIMARY KEY (user_id, topic);


--
-- Name: outbox outbox_dedupe_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_dedupe_key_key UNIQUE (dedupe_key);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);


--
-- Name: processedmessage processedmessage_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.processedmessage
    ADD CONSTRAINT processedmessage_pkey PRIMARY KEY (channel, msg_id);


--
-- Name: registration registration_activity_id_user_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.registration
    ADD CONSTRAINT registration_activity_id_user_id_key UNIQUE (activity_id, user_id);


--
-- Name: registration registration_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.registration
    ADD CONSTRAINT registration_pkey PRIMARY KEY (id);


--
-- Name: reminderlog reminderlog_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminderlog
    ADD CONSTRAINT reminderlog_pkey PRIMARY KEY (id);


--
-- Name: reminderlog reminderlog_registration_id_offset_minutes_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminderlog
    ADD CONSTRAINT reminderlog_registration_id_offset_minutes_key UNIQUE (registration_id, offset_minutes);


--
-- Name: reminderrun reminderrun_activity_id_offset_minutes_due_at_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminderrun
    ADD CONSTRAINT reminderrun_activity_id_offset_minutes_due_at_key UNIQUE (activity_id, offset_minutes, due_at);


--
-- Name: reminderrun reminderrun_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminderrun
    ADD CONSTRAINT reminderrun_pkey PRIMARY KEY (id);


--
-- Name: schedulerlease schedulerlease_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schedulerlease
    ADD CONSTRAINT schedulerlease_pkey PRIMARY KEY (name);


--
-- Name: shift shift_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shift
    ADD CONSTRAINT shift_pkey PRIMARY KEY (id);


--
-- Name: shift shift_template_id_starts_at_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shift
    ADD CONSTRAINT shift_template_id_starts_at_key UNIQUE (template_id, starts_at);


--
-- Name: shiftassignment shiftassignment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftassignment
    ADD CONSTRAINT shiftassignment_pkey PRIMARY KEY (id);


--
-- Name: shiftassignment shiftassignment_shift_id_user_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftassignment
    ADD CONSTRAINT shiftassignment_shift_id_user_id_key UNIQUE (shift_id, user_id);


--
-- Name: shiftpost shiftpost_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftpost
    ADD CONSTRAINT shiftpost_pkey PRIMARY KEY (id);


--
-- Name: shifttemplate shifttemplate_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shifttemplate
    ADD CONSTRAINT shifttemplate_pkey PRIMARY KEY (id);


--
-- Name: unansweredquestion unansweredquestion_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unansweredquestion
    ADD CONSTRAINT unansweredquestion_pkey PRIMARY KEY (id);


--
-- Name: user user_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."user"
    ADD CONSTRAINT user_pkey PRIMARY KEY (id);


--
-- Name: userrole userrole_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userrole
    ADD CONSTRAINT userrole_pkey PRIMARY KEY (id);


--
-- Name: userrole userrole_user_id_role_community_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userrole
    ADD CONSTRAINT userrole_user_id_role_community_id_key UNIQUE (user_id, role, community_id);


--
-- Name: usertag usertag_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usertag
    ADD CONSTRAINT usertag_pkey PRIMARY KEY (user_id, tag);


--
-- Name: volunteerskill volunteerskill_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.volunteerskill
    ADD CONSTRAINT volunteerskill_pkey PRIMARY KEY (user_id, skill);


--
-- Name: wechatnonce wechatnonce_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.wechatnonce
    ADD CONSTRAINT wechatnonce_pkey PRIMARY KEY ("timestamp", nonce);


--
-- Name: ix_activity_updated_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_activity_updated_at ON public.activity USING btree (updated_at);


--
-- Name: ix_announcement_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_announcement_due ON public.announcement USING btree (status, send_at);


--
-- Name: ix_apscheduler_jobs_next_run_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_apscheduler_jobs_next_run_time ON public.apscheduler_jobs USING btree (next_run_time);


--
-- Name: ix_assignment_shift_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_assignment_shift_status ON public.shiftassignment USING btree (shift_id, status);


--
-- Name: ix_channelidentity_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_channelidentity_user_id ON public.channelidentity USING btree (user_id);


--
-- Name: ix_linkrequest_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_linkrequest_pending ON public.linkrequest USING btree (user_id, status);


--
-- Name: ix_outbox_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_outbox_due ON public.outbox USING btree (status, next_attempt_at);


--
-- Name: ix_outbox_ref; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_outbox_ref ON public.outbox USING btree (ref);


--
-- Name: ix_outbox_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_outbox_user_id ON public.outbox USING btree (user_id);


--
-- Name: ix_registration_activity_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_registration_activity_status ON public.registration USING btree (activity_id, status);


--
-- Name: ix_registration_updated_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_registration_updated_at ON public.registration USING btree (updated_at);


--
-- Name: ix_registration_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_registration_user_id ON public.registration USING btree (user_id);


--
-- Name: ix_reminderrun_activity_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_reminderrun_activity_id ON public.reminderrun USING btree (activity_id);


--
-- Name: ix_shift_post_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_shift_post_id ON public.shift USING btree (post_id);


--
-- Name: ix_shift_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_shift_time ON public.shift USING btree (status, starts_at);


--
-- Name: ix_shift_updated_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_shift_updated_at ON public.shift USING btree (updated_at);


--
-- Name: ix_shiftassignment_updated_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_shiftassignment_updated_at ON public.shiftassignment USING btree (updated_at);


--
-- Name: ix_shiftassignment_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_shiftassignment_user_id ON public.shiftassignment USING btree (user_id);


--
-- Name: ix_shifttemplate_post_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_shifttemplate_post_id ON public.shifttemplate USING btree (post_id);


--
-- Name: ix_unanswered_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_unanswered_open ON public.unansweredquestion USING btree (kind, resolved_at);


--
-- Name: ix_unansweredquestion_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_unansweredquestion_user_id ON public.unansweredquestion USING btree (user_id);


--
-- Name: ix_userrole_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_userrole_user_id ON public.userrole USING btree (user_id);


--
-- Name: ix_wechatnonce_expires_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_wechatnonce_expires_at ON public.wechatnonce USING btree (expires_at);


--
-- Name: announcement announcement_sender_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.announcement
    ADD CONSTRAINT announcement_sender_id_fkey FOREIGN KEY (sender_id) REFERENCES public."user"(id);


--
-- Name: channelidentity channelidentity_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.channelidentity
    ADD CONSTRAINT channelidentity_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: conversation conversation_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversation
    ADD CONSTRAINT conversation_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: invite invite_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invite
    ADD CONSTRAINT invite_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: linkrequest linkrequest_identity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.linkrequest
    ADD CONSTRAINT linkrequest_identity_id_fkey FOREIGN KEY (identity_id) REFERENCES public.channelidentity(id);


--
-- Name: linkrequest linkrequest_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.linkrequest
    ADD CONSTRAINT linkrequest_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: noticeoptout noticeoptout_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.noticeoptout
    ADD CONSTRAINT noticeoptout_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: outbox outbox_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: processedmessage processedmessage_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.processedmessage
    ADD CONSTRAINT processedmessage_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: registration registration_activity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.registration
    ADD CONSTRAINT registration_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES public.activity(id);


--
-- Name: registration registration_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.registration
    ADD CONSTRAINT registration_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: reminderlog reminderlog_registration_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminderlog
    ADD CONSTRAINT reminderlog_registration_id_fkey FOREIGN KEY (registration_id) REFERENCES public.registration(id);


--
-- Name: reminderrun reminderrun_activity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminderrun
    ADD CONSTRAINT reminderrun_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES public.activity(id);


--
-- Name: shift shift_activity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shift
    ADD CONSTRAINT shift_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES public.activity(id);


--
-- Name: shift shift_post_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shift
    ADD CONSTRAINT shift_post_id_fkey FOREIGN KEY (post_id) REFERENCES public.shiftpost(id);


--
-- Name: shift shift_template_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shift
    ADD CONSTRAINT shift_template_id_fkey FOREIGN KEY (template_id) REFERENCES public.shifttemplate(id);


--
-- Name: shiftassignment shiftassignment_approved_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftassignment
    ADD CONSTRAINT shiftassignment_approved_by_fkey FOREIGN KEY (approved_by) REFERENCES public."user"(id);


--
-- Name: shiftassignment shiftassignment_assigned_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftassignment
    ADD CONSTRAINT shiftassignment_assigned_by_fkey FOREIGN KEY (assigned_by) REFERENCES public."user"(id);


--
-- Name: shiftassignment shiftassignment_shift_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftassignment
    ADD CONSTRAINT shiftassignment_shift_id_fkey FOREIGN KEY (shift_id) REFERENCES public.shift(id);


--
-- Name: shiftassignment shiftassignment_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftassignment
    ADD CONSTRAINT shiftassignment_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: shiftpost shiftpost_coordinator_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shiftpost
    ADD CONSTRAINT shiftpost_coordinator_id_fkey FOREIGN KEY (coordinator_id) REFERENCES public."user"(id);


--
-- Name: shifttemplate shifttemplate_activity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shifttemplate
    ADD CONSTRAINT shifttemplate_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES public.activity(id);


--
-- Name: shifttemplate shifttemplate_post_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shifttemplate
    ADD CONSTRAINT shifttemplate_post_id_fkey FOREIGN KEY (post_id) REFERENCES public.shiftpost(id);


--
-- Name: unansweredquestion unansweredquestion_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unansweredquestion
    ADD CONSTRAINT unansweredquestion_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: userrole userrole_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userrole
    ADD CONSTRAINT userrole_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: usertag usertag_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usertag
    ADD CONSTRAINT usertag_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- Name: volunteerskill volunteerskill_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.volunteerskill
    ADD CONSTRAINT volunteerskill_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- PostgreSQL database dump complete
--

\unrestrict 7LUmzoFLqYXjccAJs8cUoIZf4LjidjpdaCHfDBaxqFyRRskLl9ntlgA0cNGllHR

