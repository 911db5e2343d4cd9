module github.com/minikit/kit/mini

go 1.26.0
