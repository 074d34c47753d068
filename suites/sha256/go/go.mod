module benchnorm/sha256bench

go 1.26.0
