"""The network: the one HTTP session factory and the URL rules. Everything here but
`urls` loads requests, so only the steps that talk to the network import it."""
