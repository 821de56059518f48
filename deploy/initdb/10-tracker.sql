CREATE DATABASE keqing_tracker OWNER keqing;
