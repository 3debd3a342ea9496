module hearth/tests/peer

go 1.19
