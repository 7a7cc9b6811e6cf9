-- Run once by the postgres image on first start (docker-compose.yaml): the analytics store's database.
CREATE DATABASE analytics;
