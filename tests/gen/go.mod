module hearth/tests/gen

go 1.19
