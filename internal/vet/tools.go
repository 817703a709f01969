package vet

import (
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// maxTools bounds a tool listing.
const maxTools = 2000

// ParseToolListing reads a saved tools/list answer: a JSON-RPC response
// ({"result":{"tools":[…]}}), its result ({"tools":[…]}) or a bare array
// of tool definitions. Keys are case-sensitive and duplicates are errors.
func ParseToolListing(b []byte) ([]Tool, error) {
	type wireTool struct {
		Name        string         `json:"name"`
		Description string         `json:"description"`
		Annotations jsontext.Value `json:"annotations"`
	}
	var doc struct {
		Tools  []wireTool `json:"tools"`
		Result *struct {
			Tools []wireTool `json:"tools"`
		} `json:"result"`
	}
	var list []wireTool
	if v := jsontext.Value(b); len(b) > 0 && v.Kind() == '[' {
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, fmt.Errorf("read tool listing: %w", err)
		}
	} else {
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("read tool listing: %w", err)
		}
		list = doc.Tools
		if doc.Result != nil {
			list = doc.Result.Tools
		}
		if doc.Tools == nil && doc.Result == nil {
			return nil, errors.New("read tool listing: no \"tools\" array (want a tools/list response or result)")
		}
	}
	if len(list) > maxTools {
		return nil, fmt.Errorf("read tool listing: more than %d tools", maxTools)
	}
	out := make([]Tool, 0, len(list))
	for i, w := range list {
		if w.Name == "" {
			return nil, fmt.Errorf("read tool listing: tool %d has no name", i+1)
		}
		t := Tool{Name: w.Name, Description: w.Description}
		var ann map[string]jsontext.Value
		if len(w.Annotations) > 0 && json.Unmarshal(w.Annotations, &ann) == nil {
			for k, v := range ann {
				if string(v) == "true" {
					if t.Annotations == nil {
						t.Annotations = map[string]bool{}
					}
					t.Annotations[k] = true
				}
			}
		}
		out = append(out, t)
	}
	return out, nil
}
