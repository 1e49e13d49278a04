"""Tests of the gateway clients, without Home Assistant."""
