module agentcloud.local/bench/trace

go 1.24

require github.com/pulumi/appdash v0.0.0-20231130102222-75f619a67231

require github.com/gogo/protobuf v1.3.2 // indirect
