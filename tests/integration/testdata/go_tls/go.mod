module hostlens/gotls

go 1.19
