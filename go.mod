module github.com/apktrust/apktrust

go 1.24

require (
	github.com/klauspost/compress v1.18.0
	github.com/shogo82148/androidbinary v1.0.6
	github.com/stretchr/testify v1.11.1
	go.mozilla.org/pkcs7 v0.10.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
