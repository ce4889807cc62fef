//! End-to-end tests against a moto server.
