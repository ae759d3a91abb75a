// Prints the spans of a Pulumi trace file (`pulumi ... --tracing file:./trace.out`, an appdash
// memory store) as JSON lines: {"trace","id","parent","name","start","end","tags"}. Read by
// bench/breakdown.ts; run it alone with `go run . trace.out` in bench/trace.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/pulumi/appdash"
)

type span struct {
	Trace  string            `json:"trace"`
	ID     string            `json:"id"`
	Parent string            `json:"parent"`
	Name   string            `json:"name"`
	Start  time.Time         `json:"start"`
	End    time.Time         `json:"end"`
	Tags   map[string]string `json:"tags,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: trace <trace file>")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	store := appdash.NewMemoryStore()
	if _, err := store.ReadFrom(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	traces, err := store.Traces(appdash.TracesOpts{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	var walk func(t *appdash.Trace)
	walk = func(t *appdash.Trace) {
		var ts appdash.Timespan
		_ = appdash.UnmarshalEvent(t.Span.Annotations, &ts)
		s := span{
			Trace:  t.Span.ID.Trace.String(),
			ID:     t.Span.ID.Span.String(),
			Parent: t.Span.ID.Parent.String(),
			Name:   t.Span.Name(),
			Start:  ts.S,
			End:    ts.E,
			Tags:   map[string]string{},
		}
		for _, a := range t.Span.Annotations {
			if a.Key != "Name" && len(a.Key) > 0 && a.Key[0] != '_' && a.Key != "Span.Start" && a.Key != "Span.End" {
				s.Tags[a.Key] = string(a.Value)
			}
		}
		_ = enc.Encode(s)
		for _, sub := range t.Sub {
			walk(sub)
		}
	}
	for _, t := range traces {
		walk(t)
	}
}
