module github.com/minikit/kit

go 1.26.0
