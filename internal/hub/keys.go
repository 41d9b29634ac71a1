package hub

import (
	"fmt"
)

// Keys are the hub's verification keys. A nil Key means none is configured.
type Keys struct {
	Publisher  *Key
	Subscriber *Key
}

// KeysFromEnv builds the hub's keys from the environment (getenv is
// os.Getenv in the binary). For the publisher key, the first non-empty of
// MERCURE_PUBLISHER_JWT_KEY, PUBLISHER_JWT_KEY, JWT_KEY; its algorithm the
// first non-empty of MERCURE_PUBLISHER_JWT_ALG, PUBLISHER_JWT_ALGORITHM,
// JWT_ALGORITHM, else HS256. The subscriber key likewise with SUBSCRIBER
// in place of PUBLISHER. A key with no variable set is nil (the binary
// then uses the key it generated); an invalid key or algorithm is an
// error naming the variable.
func KeysFromEnv(getenv func(string) string) (Keys, error) {
	var ks Keys
	var err error
	if ks.Publisher, err = keyFromEnv(getenv, "PUBLISHER"); err != nil {
		return Keys{}, err
	}
	if ks.Subscriber, err = keyFromEnv(getenv, "SUBSCRIBER"); err != nil {
		return Keys{}, err
	}
	return ks, nil
}

// keyFromEnv reads one role's ("PUBLISHER" or "SUBSCRIBER") key.
func keyFromEnv(getenv func(string) string, role string) (*Key, error) {
	keyVar, key := firstSet(getenv, "MERCURE_"+role+"_JWT_KEY", role+"_JWT_KEY", "JWT_KEY")
	if keyVar == "" {
		return nil, nil
	}
	algVar, alg := firstSet(getenv, "MERCURE_"+role+"_JWT_ALG", role+"_JWT_ALGORITHM", "JWT_ALGORITHM")
	k, err := NewKey(alg, key)
	if err != nil {
		if algVar != "" {
			return nil, fmt.Errorf("%s with %s=%s: %w", keyVar, algVar, alg, err)
		}
		return nil, fmt.Errorf("%s: %w", keyVar, err)
	}
	return k, nil
}

// firstSet returns the first of names with a non-empty value, and it.
func firstSet(getenv func(string) string, names ...string) (name, value string) {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return n, v
		}
	}
	return "", ""
}
