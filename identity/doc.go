// Package identity holds who may ask: users with a role and attributes,
// API tokens, browser sessions and password hashes. It is pure: storing
// them is the metadata store's job (web.Store), and what a role may see is
// the semantic model's (semantic.Access).
//
// Secrets are never stored: an API token is "wst_<id>_<secret>" and only the
// SHA-256 of its secret is kept (the secret is 256 random bits, so a fast
// hash is enough); passwords are kept as bcrypt hashes; a session cookie is
// kept as the SHA-256 of its value.
package identity
