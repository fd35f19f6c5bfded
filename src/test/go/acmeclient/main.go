// Command acmeclient drives Go's golang.org/x/crypto/acme, the package Kubernetes
// cert-manager's ACME client derives from, through one mail host's life against MailCA:
// register (with External Account Binding when given), obtain a certificate over http-01,
// renew it with a new key, and revoke the renewed one. (A second revocation would prove
// nothing: this client takes alreadyRevoked for success.)
//
// It is built offline in GOPATH mode from Debian's golang-golang-x-crypto-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o acmeclient main.go
//
// Each step prints one line "STEP: ok ..." or "STEP: failed: ..."; the certificates go to
// -out as obtain.pem and renew.pem (leaf first, then the chain). It exits non-zero at the first
// failed step.
package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
)

var (
	directory = flag.String("directory", "", "ACME directory URL")
	caFile    = flag.String("ca", "", "PEM file of the CA that signs the server's HTTPS certificate")
	domain    = flag.String("domain", "", "the mail host to certify")
	httpAddr  = flag.String("http", "127.0.0.1:80", "where to answer http-01")
	out       = flag.String("out", ".", "directory for obtain.pem and renew.pem")
	email     = flag.String("email", "", "account contact")
	eabKID    = flag.String("eab-kid", "", "External Account Binding key identifier")
	eabHMAC   = flag.String("eab-hmac", "", "External Account Binding MAC key, base64url")
)

// tokens holds the key authorizations the http-01 responder serves, by token.
var tokens sync.Map

func main() {
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	client, err := newClient()
	step("client", err, "")

	listener, err := net.Listen("tcp", *httpAddr)
	step("http-01 responder", err, *httpAddr)
	go http.Serve(listener, http.HandlerFunc(respond))

	dir, err := client.Discover(ctx)
	step("directory", err, fmt.Sprintf("externalAccountRequired=%v", dir.ExternalAccountRequired))

	account := &acme.Account{}
	if *email != "" {
		account.Contact = []string{"mailto:" + *email}
	}
	if *eabKID != "" {
		// The MAC key is raw bytes; operators hand it out base64url-encoded (RFC 8555 §7.3.4).
		key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(*eabHMAC, "="))
		step("eab key", err, "")
		account.ExternalAccountBinding = &acme.ExternalAccountBinding{KID: *eabKID, Key: key}
	} else if dir.ExternalAccountRequired {
		step("register", errors.New("the server requires External Account Binding;"+
			" pass -eab-kid and -eab-hmac"), "")
	}
	// ClientMatrixIT passes -eab-kid and -eab-hmac from a key it made over the admin API, as
	// cert-manager's issuer does.
	registered, err := client.Register(ctx, account, acme.AcceptTOS)
	step("register", err, "account="+urlOf(registered))

	first, err := obtain(ctx, client, "obtain")
	step("obtain", err, serial(first))

	second, err := obtain(ctx, client, "renew")
	step("renew", err, serial(second))

	// A nil key signs with the account (kid), as RFC 8555 §7.6 allows the issuing account.
	err = client.RevokeCert(ctx, nil, second[0], acme.CRLReasonSuperseded)
	step("revoke", err, serial(second))

}

func newClient() (*acme.Client, error) {
	pemBytes, err := os.ReadFile(*caFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("no certificate in %s", *caFile)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &acme.Client{
		Key:          key,
		DirectoryURL: *directory,
		UserAgent:    "mailca-client-matrix",
		HTTPClient: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
		},
	}, nil
}

// obtain runs one order to its certificate (RFC 8555 §7.4) with a fresh certificate key and
// writes the chain to NAME.pem.
func obtain(ctx context.Context, client *acme.Client, name string) ([][]byte, error) {
	order, err := client.AuthorizeOrder(ctx, acme.DomainIDs(*domain))
	if err != nil {
		return nil, err
	}
	for _, url := range order.AuthzURLs {
		if err := authorize(ctx, client, url); err != nil {
			return nil, err
		}
	}
	if _, err := client.WaitOrder(ctx, order.URI); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:  pkix.Name{CommonName: *domain},
		DNSNames: []string{*domain},
	}, crypto.Signer(key))
	if err != nil {
		return nil, err
	}
	chain, _, err := client.CreateOrderCert(ctx, order.FinalizeURL, csr, true)
	if err != nil {
		return nil, err
	}
	var buf strings.Builder
	for _, der := range chain {
		pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return chain, os.WriteFile(filepath.Join(*out, name+".pem"), []byte(buf.String()), 0o644)
}

// authorize answers the http-01 challenge of a pending authorization; a valid one (reused by
// the server for the renewal) needs nothing.
func authorize(ctx context.Context, client *acme.Client, url string) error {
	authz, err := client.GetAuthorization(ctx, url)
	if err != nil {
		return err
	}
	if authz.Status == acme.StatusValid {
		return nil
	}
	for _, challenge := range authz.Challenges {
		if challenge.Type != "http-01" {
			continue
		}
		answer, err := client.HTTP01ChallengeResponse(challenge.Token)
		if err != nil {
			return err
		}
		tokens.Store(client.HTTP01ChallengePath(challenge.Token), answer)
		if _, err := client.Accept(ctx, challenge); err != nil {
			return err
		}
		_, err = client.WaitAuthorization(ctx, authz.URI)
		return err
	}
	return errors.New("the server offered no http-01 challenge")
}

func respond(w http.ResponseWriter, r *http.Request) {
	answer, ok := tokens.Load(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, answer.(string))
}

func step(name string, err error, detail string) {
	if err != nil {
		fmt.Printf("%s: failed: %v\n", name, err)
		os.Exit(1)
	}
	fmt.Printf("%s: ok %s\n", name, detail)
}

func urlOf(a *acme.Account) string {
	if a == nil {
		return ""
	}
	return a.URI
}

func serial(chain [][]byte) string {
	if len(chain) == 0 {
		return ""
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return "unparsable"
	}
	return fmt.Sprintf("serial=%x", leaf.SerialNumber)
}
