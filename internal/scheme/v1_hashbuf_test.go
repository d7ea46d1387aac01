package scheme

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/testutil"
)

// A small app's JAR entries are hashed on the caller's goroutine even
// when more workers are allowed: starting them would cost more than the
// few KiB they hash.
func TestV1SmallAppStartsNoGoroutine(t *testing.T) {
	a := testutil.OpenAPK(t, testutil.Fixture(t, "min21-v123.apk"))
	before := workerGoroutines.Load()
	r := VerifyV1Options(context.Background(), a, V1Options{MinSDK: 21, MaxSDK: MaxSDK, Workers: 4})
	require.True(t, r.Result.Verified, "%v", r.Result.Errors)
	assert.Equal(t, before, workerGoroutines.Load())
}
