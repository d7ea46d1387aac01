package signer

import "errors"

// parseCertificateLenient parses what crypto/x509 refuses but Android
// accepts. (Owned by the v2/v3 work; to be completed there.)
func parseCertificateLenient(der []byte) (*Certificate, error) {
	return nil, errors.New("signer: certificate not accepted by crypto/x509")
}

func describeKey(pub any, alg any) (string, int) { return "", 0 }
