//mini:chapter 06

package registry

import "github.com/minikit/kit/mini/explain"

// mechanism labels the registry's steps in --explain.
const mechanism explain.Mechanism = "registry"

// narrate tells the student what one HTTP exchange does, and the curl command that does it.
func (c *Client) narrate(cmd, what string) {
	if cmd == "" {
		c.opts.Explain.Step(mechanism, explain.None, what)
		return
	}
	c.opts.Explain.Step(mechanism, explain.Sh(cmd), what)
}
