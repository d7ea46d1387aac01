package scheme

import (
	"os"
	"testing"

	"github.com/apktrust/apktrust/internal/conformance"
)

// TestMain prints one line naming the reference inputs outside the
// repository that were absent and how many tests skipped for them.
func TestMain(m *testing.M) { os.Exit(conformance.Main(m)) }
