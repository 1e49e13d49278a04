"""Tests of the GSM Gateway integration."""
