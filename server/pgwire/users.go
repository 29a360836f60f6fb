package pgwire

import (
	"bufio"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/secure/precis"
)

// AuthMethod says how the gateway asks configured users for their password.
type AuthMethod string

const (
	// AuthSCRAM is SCRAM-SHA-256 (RFC 5802, 7677), with channel binding
	// (SCRAM-SHA-256-PLUS) offered over TLS: the password never crosses the
	// wire, and the client checks that the server knows the verifier too.
	AuthSCRAM AuthMethod = "scram-sha-256"
	// AuthPassword asks for the password in clear text, for clients that
	// cannot do SCRAM, but only over TLS: a connection in the clear still
	// gets SCRAM-SHA-256, so no configuration can make a password travel
	// unencrypted.
	AuthPassword AuthMethod = "password"
)

// scramIterations is PostgreSQL's default scram_iterations.
const scramIterations = 4096

// credential is what the gateway keeps of a user's password: a SCRAM
// verifier, as PostgreSQL keeps in pg_authid.rolpassword. A clear-text
// password is checked against it too, so the clear text is never kept.
type credential struct {
	salt                 []byte
	iterations           int
	storedKey, serverKey []byte
}

// newCredential derives a verifier from a clear-text password, with a fresh
// random salt.
func newCredential(password string) credential {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	salted := saltedPassword(password, salt, scramIterations)
	client := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(client)
	return credential{salt: salt, iterations: scramIterations, storedKey: stored[:],
		serverKey: hmacSHA256(salted, "Server Key")}
}

// parseVerifier reads PostgreSQL's verifier format,
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> (all base64),
// which `SELECT rolpassword FROM pg_authid` shows and which lets a users
// file hold no password at all.
func parseVerifier(s string) (credential, bool) {
	rest, ok := strings.CutPrefix(s, "SCRAM-SHA-256$")
	if !ok {
		return credential{}, false
	}
	iterSalt, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return credential{}, false
	}
	iter, salt, ok1 := strings.Cut(iterSalt, ":")
	stored, server, ok2 := strings.Cut(keys, ":")
	n, err := strconv.Atoi(iter)
	if !ok1 || !ok2 || err != nil || n < 1 || n > 10_000_000 {
		return credential{}, false
	}
	var c credential
	var e1, e2, e3 error
	c.iterations = n
	c.salt, e1 = base64.StdEncoding.DecodeString(salt)
	c.storedKey, e2 = base64.StdEncoding.DecodeString(stored)
	c.serverKey, e3 = base64.StdEncoding.DecodeString(server)
	if e1 != nil || e2 != nil || e3 != nil || len(c.storedKey) != sha256.Size || len(c.serverKey) != sha256.Size {
		return credential{}, false
	}
	return c, true
}

// checkPassword reports whether a clear-text password matches c.
func (c credential) checkPassword(password string) bool {
	client := hmacSHA256(saltedPassword(password, c.salt, c.iterations), "Client Key")
	stored := sha256.Sum256(client)
	return hmac.Equal(stored[:], c.storedKey)
}

// Verifier renders a clear-text password as a SCRAM-SHA-256 verifier that
// a users file can hold instead of the password.
func Verifier(password string) string {
	c := newCredential(password)
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", c.iterations, b64(c.salt), b64(c.storedKey), b64(c.serverKey))
}

// ParseUsers reads a users file: one `name:password` per line, where the
// password is either the clear text or a SCRAM-SHA-256 verifier (see
// Verifier). Blank lines and lines starting with '#' are skipped; the name
// ends at the first ':', so a password may contain colons.
func ParseUsers(r io.Reader) (map[string]string, error) {
	users := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		name, password, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		switch {
		case !ok || name == "":
			return nil, fmt.Errorf("line %d: want name:password", n)
		case password == "":
			return nil, fmt.Errorf("line %d: user %q has an empty password", n, name)
		case users[name] != "":
			return nil, fmt.Errorf("line %d: user %q is listed twice", n, name)
		}
		if strings.HasPrefix(password, "SCRAM-SHA-256$") {
			if _, ok := parseVerifier(password); !ok {
				return nil, fmt.Errorf("line %d: malformed SCRAM-SHA-256 verifier for user %q", n, name)
			}
		}
		users[name] = password
	}
	return users, sc.Err()
}

// credentials turns Options.Users into verifiers once, at New, so that a
// connection never pays for PBKDF2 on the server's own side.
func credentials(users map[string]string) map[string]credential {
	if len(users) == 0 {
		return nil
	}
	creds := make(map[string]credential, len(users))
	for name, pw := range users {
		if c, ok := parseVerifier(pw); ok {
			creds[name] = c
		} else {
			creds[name] = newCredential(pw)
		}
	}
	return creds
}

func saltedPassword(password string, salt []byte, iterations int) []byte {
	k, err := pbkdf2.Key(sha256.New, normalizePassword(password), salt, iterations, sha256.Size)
	if err != nil {
		// Only a key length beyond what the hash can give fails; ours fits.
		panic(err)
	}
	return k
}

// normalizePassword applies SASLprep (RFC 4013) as PostgreSQL and libpq do
// before hashing, falling back to the raw password where SASLprep refuses
// it, as they do; clients and server must agree byte for byte.
func normalizePassword(password string) string {
	for _, r := range password {
		if r > unicode.MaxASCII {
			if p, err := precis.OpaqueString.String(password); err == nil {
				return p
			}
			return password
		}
	}
	return password // ASCII is its own SASLprep, and the common case
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
