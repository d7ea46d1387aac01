package scheme

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/apktrust/apktrust/internal/jarmanifest"
)

// The parsers' own tests are in internal/jarmanifest; this one checks that
// their limit errors reach v1 issues with the codes and text they always
// had.
func TestParseJarManifestLimitCodes(t *testing.T) {
	_, err := parseJarManifest([]byte("M: 1\n\n"+strings.Repeat("Name: x\n\n", 3)), 2)
	assert.ErrorIs(t, err, CodeJarTooManySections)
	assert.EqualError(t, err, "JAR_SIG_TOO_MANY_SECTIONS: more than 2 individual sections")
	_, err = parseJarManifest(make([]byte, jarmanifest.MaxFileSize+1), 0)
	assert.ErrorIs(t, err, CodeJarFileTooLarge)
	m, err := parseJarManifest([]byte("M: 1\n\nName: x\n\n"), 1)
	assert.NoError(t, err)
	assert.Len(t, m.Sections, 1)
}
