# Throughput over time for one demo experiment, paid windows shaded.
# Variables (gnuplot -e): samples, windows (CSV files from samples.py),
# out (PNG), ttl (title), flows (space-separated flow names, e.g. "h1-h3 h2-h4"),
# duration (s), ymax (Mbit/s), refs (space-separated expected goodputs, Mbit/s).

if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 1000,560 font "sans,10"
} else {
	set terminal png size 1000,560
}
set output out
set datafile separator comma
set title ttl
set xlabel "time (s)"
set ylabel "receiver goodput (Mbit/s)"
set xrange [0:duration]
set yrange [0:ymax]
set grid ytics
set key top left opaque box

colors = "#1f77b4 #d62728 #2ca02c #9467bd"
color(i) = word(colors, (i - 1) % words(colors) + 1)

# Reference lines: expected goodput of best effort and of each bought rate.
do for [i = 1:words(refs)] {
	set arrow i from 0, word(refs, i) + 0 to duration, word(refs, i) + 0 nohead dt 2 lc rgb "#777777"
	set label i sprintf("expected %.1f", word(refs, i) + 0) at duration, word(refs, i) + 0 right offset 0, 0.6 textcolor rgb "#555555"
}

# CSV columns. samples: t_start,t_end,flow,mbit_s,...; windows: flow,buyer,peer,level,rate_mbit,start,end
plot \
	for [i = 1:words(flows)] windows skip 1 \
		using (strcol(1) eq word(flows, i) ? ($6 + $7) / 2 : NaN):(0):6:7:(0):(ymax) \
		with boxxyerror fs transparent solid 0.15 noborder lc rgb color(i) \
		title sprintf("%s paid window", word(flows, i)), \
	for [i = 1:words(flows)] samples skip 1 \
		using (($1 + $2) / 2):(strcol(3) eq word(flows, i) ? $4 : NaN) \
		with linespoints lw 2 pt 7 ps 0.6 lc rgb color(i) title word(flows, i)
