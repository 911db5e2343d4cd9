//mini:chapter 07

package engine

import (
	"crypto/rand"
	"math/big"
)

// A container without --name gets a name like Docker's: an adjective and a scientist.
var (
	adjectives = []string{"brave", "calm", "eager", "fervent", "gentle", "happy", "keen", "lucid",
		"modest", "nifty", "quirky", "serene", "tender", "vibrant", "wise", "zealous"}
	scientists = []string{"curie", "darwin", "euler", "franklin", "hopper", "hypatia", "kepler",
		"lovelace", "meitner", "noether", "pasteur", "ritchie", "thompson", "torvalds", "turing", "wozniak"}
)

func randomName(taken []*Container) string {
	used := map[string]bool{}
	for _, c := range taken {
		used[c.Name] = true
	}
	for i := 0; ; i++ {
		name := pick(adjectives) + "_" + pick(scientists)
		if i > 20 {
			name += "_" + pick([]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) + pick(scientists)
		}
		if !used[name] {
			return name
		}
	}
}

func pick(words []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
	if err != nil {
		return words[0]
	}
	return words[n.Int64()]
}
