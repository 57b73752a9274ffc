-- PostgreSQL's 00018 adds notifications for the request state kept in
-- memory (models/live.go). SQLite has none: each request reads its state
-- (one local lookup). This migration keeps the two dialects' numbers alike.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
