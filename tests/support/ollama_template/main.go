// Command ollama-template renders Ollama Modelfile TEMPLATEs the way the Ollama server
// does, so that HERA's tests check its TEMPLATEs against Go's own text/template rather
// than an imitation of it.
//
// What it reproduces from Ollama (server/prompt.go and template/template.go, as documented
// in Ollama's docs/template.md):
//
//   - parsing with Option("missingkey=zero") and Ollama's extra function, json;
//   - a template that names neither .Messages nor .Response gets {{ .Response }} appended;
//   - messages are collated first: every system text is joined with a blank line into
//     .System, and consecutive messages of one role are merged with a blank line;
//   - a template that uses .Messages (or .Document) is executed once with System,
//     Messages, Tools and an empty Response;
//   - an older template (.System/.Prompt/.Response) is executed once per exchange, and for
//     the last one only up to the first .Response, where the reply will be generated;
//   - a request with both a prompt and a suffix (fill-in-the-middle) gets Prompt and Suffix.
//
// Input on stdin, one JSON document:
//
//	{"requests": [{"template": "...", "messages": [{"role": "user", "content": "..."}],
//	               "prompt": "", "suffix": ""}]}
//
// Output on stdout: {"results": [{"text": "..."} or {"error": "..."}]}, one per request,
// in order. The exit status is non-zero only when the input itself cannot be read.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
	"text/template/parse"
)

// Message has the fields of Ollama's api.Message that a template can read.
type Message struct {
	Role      string `json:"role"`
	Content   string `json:"content"`
	Thinking  string `json:"thinking,omitempty"`
	Images    []string
	ToolCalls []any
	ToolName  string
}

type request struct {
	Template string    `json:"template"`
	Messages []Message `json:"messages"`
	Prompt   string    `json:"prompt"`
	Suffix   string    `json:"suffix"`
}

type result struct {
	Text  *string `json:"text,omitempty"`
	Error string  `json:"error,omitempty"`
}

var funcs = template.FuncMap{
	"json": func(v any) string {
		out, _ := json.Marshal(v)
		return string(out)
	},
}

// identifiers lists the field and variable names a parse tree mentions, lowercased.
func identifiers(node parse.Node, into map[string]bool) {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, child := range n.Nodes {
			identifiers(child, into)
		}
	case *parse.ActionNode:
		identifiers(n.Pipe, into)
	case *parse.TemplateNode:
		identifiers(n.Pipe, into)
	case *parse.IfNode:
		identifiers(&n.BranchNode, into)
	case *parse.RangeNode:
		identifiers(&n.BranchNode, into)
	case *parse.WithNode:
		identifiers(&n.BranchNode, into)
	case *parse.BranchNode:
		identifiers(n.Pipe, into)
		identifiers(n.List, into)
		identifiers(n.ElseList, into)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, cmd := range n.Cmds {
			for _, arg := range cmd.Args {
				identifiers(arg, into)
			}
		}
	case *parse.FieldNode:
		for _, id := range n.Ident {
			into[strings.ToLower(id)] = true
		}
	case *parse.VariableNode:
		for _, id := range n.Ident {
			into[strings.ToLower(id)] = true
		}
	}
}

func names(t *template.Template) map[string]bool {
	found := map[string]bool{}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			identifiers(tt.Tree.Root, found)
		}
	}
	return found
}

func parseTemplate(text string) (*template.Template, error) {
	t, err := template.New("").Option("missingkey=zero").Funcs(funcs).Parse(text)
	if err != nil {
		return nil, err
	}
	if vars := names(t); !vars["messages"] && !vars["response"] {
		response := &parse.ActionNode{NodeType: parse.NodeAction, Pipe: &parse.PipeNode{
			NodeType: parse.NodePipe,
			Cmds: []*parse.CommandNode{{NodeType: parse.NodeCommand, Args: []parse.Node{
				&parse.FieldNode{NodeType: parse.NodeField, Ident: []string{"Response"}},
			}}},
		}}
		t.Tree.Root.Nodes = append(t.Tree.Root.Nodes, response)
	}
	return t, nil
}

func collate(msgs []Message) (string, []*Message) {
	var system []string
	var out []*Message
	for i := range msgs {
		m := msgs[i]
		if m.Role == "system" {
			system = append(system, m.Content)
		}
		if len(out) > 0 && out[len(out)-1].Role == m.Role && m.Role != "tool" {
			out[len(out)-1].Content += "\n\n" + m.Content
		} else {
			out = append(out, &m)
		}
	}
	return strings.Join(system, "\n\n"), out
}

// cutAtResponse drops the first {{ .Response }} and everything that follows it, in
// document order, including inside if/range/with bodies: what the last exchange of an
// older template renders before the model's reply.
func cutAtResponse(root *parse.ListNode) *parse.ListNode {
	cut := false
	var list func(*parse.ListNode) *parse.ListNode
	var node func(parse.Node) parse.Node
	mentionsResponse := func(pipe *parse.PipeNode) bool {
		if pipe == nil {
			return false
		}
		for _, cmd := range pipe.Cmds {
			for _, arg := range cmd.Args {
				if f, ok := arg.(*parse.FieldNode); ok {
					for _, id := range f.Ident {
						if id == "Response" {
							return true
						}
					}
				}
			}
		}
		return false
	}
	list = func(l *parse.ListNode) *parse.ListNode {
		if l == nil {
			return nil
		}
		kept := &parse.ListNode{NodeType: parse.NodeList, Pos: l.Pos}
		for _, child := range l.Nodes {
			if cut {
				break
			}
			if n := node(child); n != nil {
				kept.Nodes = append(kept.Nodes, n)
			}
		}
		return kept
	}
	node = func(n parse.Node) parse.Node {
		switch t := n.(type) {
		case *parse.ActionNode:
			if mentionsResponse(t.Pipe) {
				cut = true
				return nil
			}
		case *parse.IfNode:
			t.List, t.ElseList = list(t.List), list(t.ElseList)
		case *parse.RangeNode:
			t.List, t.ElseList = list(t.List), list(t.ElseList)
		case *parse.WithNode:
			t.List, t.ElseList = list(t.List), list(t.ElseList)
		}
		return n
	}
	return list(root.CopyList())
}

func render(req request) (string, error) {
	t, err := parseTemplate(req.Template)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	system, messages := collate(req.Messages)
	vars := names(t)
	switch {
	case req.Prompt != "" && req.Suffix != "":
		err = t.Execute(&out, map[string]any{
			"Prompt": req.Prompt, "Suffix": req.Suffix, "Response": "",
		})
	case vars["messages"] || vars["document"]:
		err = t.Execute(&out, map[string]any{
			"System": system, "Messages": messages, "Tools": nil, "Response": "",
			"Think": false, "IsThinkSet": false,
		})
	default:
		err = renderExchanges(t, messages, &out)
	}
	return out.String(), err
}

func renderExchanges(t *template.Template, messages []*Message, out *bytes.Buffer) error {
	system, prompt, response := "", "", ""
	flush := func(tmpl *template.Template) error {
		err := tmpl.Execute(out, map[string]any{
			"System": system, "Prompt": prompt, "Response": response,
		})
		system, prompt, response = "", "", ""
		return err
	}
	for _, m := range messages {
		switch m.Role {
		case "system":
			if prompt != "" || response != "" {
				if err := flush(t); err != nil {
					return err
				}
			}
			system = m.Content
		case "user":
			if response != "" {
				if err := flush(t); err != nil {
					return err
				}
			}
			prompt = m.Content
		case "assistant":
			response = m.Content
		}
	}
	last, err := template.New("").Option("missingkey=zero").Funcs(funcs).AddParseTree(
		"", &parse.Tree{Root: cutAtResponse(t.Tree.Root)})
	if err != nil {
		return err
	}
	return flush(last)
}

func main() {
	var input struct {
		Requests []request `json:"requests"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&input); err != nil {
		fmt.Fprintf(os.Stderr, "ollama-template: cannot read the requests: %v\n", err)
		os.Exit(2)
	}
	results := make([]result, len(input.Requests))
	for i, req := range input.Requests {
		text, err := render(req)
		if err != nil {
			results[i].Error = err.Error()
		} else {
			results[i].Text = &text
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"results": results}); err != nil {
		fmt.Fprintf(os.Stderr, "ollama-template: %v\n", err)
		os.Exit(2)
	}
}
