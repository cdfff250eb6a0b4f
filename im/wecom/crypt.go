package wecom

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Signature is msg_signature: hex SHA-1 of the token, timestamp, nonce and
// ciphertext, sorted and joined.
func Signature(token, timestamp, nonce, encrypted string) string {
	parts := []string{token, timestamp, nonce, encrypted}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// Key decodes the 43-character EncodingAESKey into the 32-byte AES key.
func Key(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, errors.New("EncodingAESKey must have 43 characters")
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("EncodingAESKey is not base64 of 32 bytes")
	}
	return key, nil
}

// Decrypt opens a ciphertext: AES-256-CBC with the key's first 16 bytes as
// IV, PKCS#7 padding to 32 bytes; the plain text is 16 random bytes, the
// message length (4 bytes, big-endian), the message and the receiver id,
// which must be the corp id.
func Decrypt(key []byte, encrypted, corpID string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, fmt.Errorf("ciphertext is not base64: %w", err)
	}
	if len(raw) < 32 || len(raw)%aes.BlockSize != 0 {
		return nil, errors.New("ciphertext has a wrong length")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(raw, raw)
	pad := int(raw[len(raw)-1])
	if pad == 0 || pad > 32 || pad > len(raw)-20 {
		return nil, errors.New("bad padding (wrong EncodingAESKey?)")
	}
	raw = raw[:len(raw)-pad]
	n := int(binary.BigEndian.Uint32(raw[16:20]))
	if n > len(raw)-20 {
		return nil, errors.New("bad message length (wrong EncodingAESKey?)")
	}
	msg, receiver := raw[20:20+n], raw[20+n:]
	if string(receiver) != corpID {
		return nil, fmt.Errorf("the message is for %q, not this corp", receiver)
	}
	return msg, nil
}

// Encrypt is Decrypt's inverse with the given 16 random bytes (tests build
// callbacks with it).
func Encrypt(key []byte, msg []byte, corpID string, random []byte) string {
	var b bytes.Buffer
	b.Write(random[:16])
	binary.Write(&b, binary.BigEndian, uint32(len(msg)))
	b.Write(msg)
	b.WriteString(corpID)
	pad := 32 - b.Len()%32
	b.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	out := b.Bytes()
	block, _ := aes.NewCipher(key)
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out)
}
