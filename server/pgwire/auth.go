package pgwire

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"riffle/sql/sqlerr"
)

// Authentication. With no users configured every connection is trusted
// (the embedded default: one person on localhost). With users, a client
// proves it knows the password of the user it names:
//
//   - over TLS with AuthPassword, by sending it in clear text
//     (AuthenticationCleartextPassword), protected by the TLS session;
//   - otherwise by SCRAM-SHA-256, and over TLS SCRAM-SHA-256-PLUS is
//     offered too, binding the exchange to the server's certificate
//     (tls-server-end-point) so that a man in the middle cannot relay it.
//
// A wrong password, and an unknown user, end the connection with FATAL
// 28P01 "password authentication failed for user": the two read the same,
// and for an unknown user the SCRAM exchange runs to its end with a
// made-up salt, as in PostgreSQL, so that timing and messages do not tell
// which user names exist.

const (
	invalidPassword           = "28P01"
	invalidAuthSpecification  = "28000"
	scramMechanism            = "SCRAM-SHA-256"
	scramPlusMechanism        = "SCRAM-SHA-256-PLUS"
	authMessageLimit          = 1 << 12 // SASL and password messages are tiny
	channelBindingType        = "tls-server-end-point"
	scramNonceBytes           = 18
	maxClientNonceLen         = 256
	authFailedMessage         = "password authentication failed for user %q"
	channelBindingFailMessage = "SCRAM channel binding check failed"
)

// errAuthFailed marks an exchange that ended in a wrong password (as
// opposed to a broken protocol, or a client that went away).
var errAuthFailed = errors.New("authentication failed")

// authenticate runs the authentication exchange for user on a connection
// whose startup is done. It returns false when the connection must end
// (the client has been told why, when it is still there).
func (s *Server) authenticate(sess *session, user string) bool {
	if s.creds == nil {
		return true // trust
	}
	cred, known := s.creds[user]
	var err error
	if sess.tls != nil && s.opts.Auth == AuthPassword {
		err = s.passwordAuth(sess, cred, known)
	} else {
		err = s.scramAuth(sess, user, cred, known)
	}
	switch {
	case err == nil:
		return true
	case errors.Is(err, errAuthFailed):
		s.log.Info("pgwire: password authentication failed", "user", user, "remote", sess.nc.RemoteAddr())
		sess.sendFatal(invalidPassword, fmt.Sprintf(authFailedMessage, user))
	case isDisconnect(err):
		// psql hangs up at the first password request when it has no
		// password, asks the user for one, and connects again.
	default:
		e, ok := sqlerr.As(err)
		if !ok {
			e = sqlerr.New(sqlerr.ProtocolViolation, "%s", err.Error())
		}
		sess.sendFatal(e.Code, e.Message)
	}
	return false
}

// passwordAuth asks for the password in clear text (only ever over TLS).
func (s *Server) passwordAuth(sess *session, cred credential, known bool) error {
	if err := sess.sendAuth(&pgproto3.AuthenticationCleartextPassword{}); err != nil {
		return err
	}
	body, err := sess.readAuthMessage()
	if err != nil {
		return err
	}
	var pm pgproto3.PasswordMessage
	if err := pm.Decode(body); err != nil {
		return sqlerr.New(sqlerr.ProtocolViolation, "invalid password packet")
	}
	if !known || !cred.checkPassword(pm.Password) {
		return errAuthFailed
	}
	return nil
}

// scramAuth runs SCRAM-SHA-256 (RFC 5802, with RFC 7677's hash), server
// side.
func (s *Server) scramAuth(sess *session, user string, cred credential, known bool) error {
	mechs := []string{scramMechanism}
	cbData := s.channelBinding(sess)
	if cbData != nil {
		mechs = []string{scramPlusMechanism, scramMechanism}
	}
	if err := sess.sendAuth(&pgproto3.AuthenticationSASL{AuthMechanisms: mechs}); err != nil {
		return err
	}
	body, err := sess.readAuthMessage()
	if err != nil {
		return err
	}
	var first pgproto3.SASLInitialResponse
	if err := first.Decode(body); err != nil {
		return sqlerr.New(sqlerr.ProtocolViolation, "invalid SASL initial response")
	}
	ex, err := parseClientFirst(first.AuthMechanism, string(first.Data), cbData)
	if err != nil {
		return err
	}
	if !known {
		cred = s.mockCredential(user)
	}
	nonce := make([]byte, scramNonceBytes)
	_, _ = rand.Read(nonce)
	ex.nonce = ex.clientNonce + base64.RawStdEncoding.EncodeToString(nonce)
	serverFirst := fmt.Sprintf("r=%s,s=%s,i=%d", ex.nonce, base64.StdEncoding.EncodeToString(cred.salt), cred.iterations)
	if err := sess.sendAuth(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)}); err != nil {
		return err
	}
	if body, err = sess.readAuthMessage(); err != nil {
		return err
	}
	var final pgproto3.SASLResponse
	if err := final.Decode(body); err != nil {
		return sqlerr.New(sqlerr.ProtocolViolation, "invalid SASL response")
	}
	withoutProof, proof, err := ex.parseClientFinal(string(final.Data))
	if err != nil {
		return err
	}
	authMessage := ex.clientFirstBare + "," + serverFirst + "," + withoutProof
	clientSig := hmacSHA256(cred.storedKey, authMessage)
	clientKey := make([]byte, len(proof))
	for i := range proof {
		clientKey[i] = proof[i] ^ clientSig[i]
	}
	stored := sha256.Sum256(clientKey)
	if !known || !hmac.Equal(stored[:], cred.storedKey) {
		return errAuthFailed
	}
	serverSig := hmacSHA256(cred.serverKey, authMessage)
	return sess.sendAuth(&pgproto3.AuthenticationSASLFinal{Data: []byte("v=" + base64.StdEncoding.EncodeToString(serverSig))})
}

// scramExchange is what the server remembers between the SCRAM messages.
type scramExchange struct {
	gs2Header       string // "n,,", "y,," or "p=tls-server-end-point,,"
	cbData          []byte // the certificate hash bound with -PLUS, else nil
	clientFirstBare string
	clientNonce     string
	nonce           string // client's and server's nonces together
}

// parseClientFirst reads client-first-message:
//
//	gs2-cbind-flag "," [authzid] "," "n=" user ",r=" nonce ["," extensions]
//
// The user name in it is ignored, as PostgreSQL does: the startup packet's
// user is the one authenticating. cbData is the server's certificate hash
// when -PLUS was offered (a TLS connection), nil otherwise.
func parseClientFirst(mech, msg string, cbData []byte) (*scramExchange, error) {
	bad := func(what string) error {
		return sqlerr.New(sqlerr.ProtocolViolation, "malformed SCRAM message: %s", what)
	}
	if mech != scramMechanism && (mech != scramPlusMechanism || cbData == nil) {
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "client selected an invalid SASL authentication mechanism")
	}
	ex := &scramExchange{}
	flag, rest, ok := strings.Cut(msg, ",")
	if !ok {
		return nil, bad("no GS2 header")
	}
	switch {
	case flag == "n":
	case flag == "y":
		// The client can bind but thinks the server cannot: with -PLUS on
		// offer that is a downgrade by someone in the middle.
		if cbData != nil {
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "SCRAM channel binding negotiation error").
				WithHint("The client supports SCRAM channel binding but thinks the server does not.")
		}
	case strings.HasPrefix(flag, "p="):
		if mech != scramPlusMechanism {
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "channel binding requested without selecting SCRAM-SHA-256-PLUS")
		}
		if flag[2:] != channelBindingType {
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "unsupported SCRAM channel-binding type %q", flag[2:])
		}
		ex.cbData = cbData
	default:
		return nil, bad("unexpected channel-binding flag")
	}
	if mech == scramPlusMechanism && ex.cbData == nil {
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "SCRAM-SHA-256-PLUS selected without channel binding")
	}
	authzid, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, bad("no authorization identity field")
	}
	if authzid != "" {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "client uses authorization identity, but it is not supported")
	}
	ex.gs2Header = msg[:len(msg)-len(bare)]
	ex.clientFirstBare = bare
	attrs := strings.Split(bare, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, bad("expected n= and r= attributes")
	}
	ex.clientNonce = attrs[1][2:]
	if ex.clientNonce == "" || len(ex.clientNonce) > maxClientNonceLen || !printable(ex.clientNonce) {
		return nil, bad("invalid client nonce")
	}
	return ex, nil
}

// parseClientFinal reads client-final-message:
//
//	"c=" base64(gs2-header [cbind-data]) ",r=" nonce ["," extensions] ",p=" proof
//
// and returns the message without its proof (part of AuthMessage) and the
// decoded proof.
func (ex *scramExchange) parseClientFinal(msg string) (string, []byte, error) {
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return "", nil, sqlerr.New(sqlerr.ProtocolViolation, "malformed SCRAM message: no proof")
	}
	withoutProof := msg[:i]
	proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return "", nil, sqlerr.New(sqlerr.ProtocolViolation, "malformed SCRAM message: invalid proof")
	}
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return "", nil, sqlerr.New(sqlerr.ProtocolViolation, "malformed SCRAM message: expected c= and r= attributes")
	}
	cb, err := base64.StdEncoding.DecodeString(attrs[0][2:])
	want := append([]byte(ex.gs2Header), ex.cbData...)
	if err != nil || !hmac.Equal(cb, want) {
		return "", nil, sqlerr.New(sqlerr.ProtocolViolation, channelBindingFailMessage)
	}
	if attrs[1][2:] != ex.nonce {
		return "", nil, sqlerr.New(sqlerr.ProtocolViolation, "SCRAM nonce mismatch")
	}
	return withoutProof, proof, nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == ',' {
			return false
		}
	}
	return true
}

// mockCredential is a stable made-up verifier for a user that does not
// exist: the same salt every time for the same name, as a real user's
// would be, derived from a secret so it cannot be told apart from one.
func (s *Server) mockCredential(user string) credential {
	m := hmac.New(sha256.New, s.mockSecret)
	m.Write([]byte(user))
	sum := m.Sum(nil)
	return credential{salt: sum[:16], iterations: scramIterations, storedKey: sum, serverKey: sum}
}

// channelBinding is the tls-server-end-point data of a TLS connection (RFC
// 5929: the hash of the server's certificate, with the certificate's own
// signature hash, SHA-256 for MD5 and SHA-1), or nil when the connection
// is not TLS or the certificate is not known.
func (s *Server) channelBinding(sess *session) []byte {
	if sess.tls == nil {
		return nil
	}
	cert := serverCertificate(s.opts.TLS)
	if cert == nil {
		return nil
	}
	var h hash.Hash
	switch cert.SignatureAlgorithm {
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = sha512.New()
	case x509.PureEd25519, x509.UnknownSignatureAlgorithm:
		return nil // no hash of its own: RFC 5929 leaves it undefined
	default:
		h = sha256.New()
	}
	h.Write(cert.Raw)
	return h.Sum(nil)
}

// serverCertificate is the certificate every TLS connection presents, or
// nil when the configuration holds several (or picks one per connection):
// then -PLUS is not offered rather than bound to a guess.
func serverCertificate(cfg *tls.Config) *x509.Certificate {
	if cfg == nil || len(cfg.Certificates) != 1 || cfg.GetCertificate != nil || len(cfg.Certificates[0].Certificate) == 0 {
		return nil
	}
	c := cfg.Certificates[0]
	if c.Leaf != nil {
		return c.Leaf
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return leaf
}

// sendAuth sends one authentication request and flushes it.
func (sess *session) sendAuth(msg pgproto3.BackendMessage) error {
	sess.be.Send(msg)
	return sess.be.Flush()
}

// readAuthMessage reads a 'p' message (password, SASL initial response or
// SASL response) straight from the connection.
func (sess *session) readAuthMessage() ([]byte, error) {
	typ, body, err := readTyped(sess.nc, authMessageLimit)
	if err != nil {
		return nil, err
	}
	if typ != 'p' {
		if typ == 'X' {
			return nil, errClientLeft
		}
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "expected password response, got message type %s", strconv.QuoteRune(rune(typ)))
	}
	return bytes.Clone(body), nil
}
