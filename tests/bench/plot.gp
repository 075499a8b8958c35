# CPU per 1,000 probes and peak RSS against the number of targets, both tools. Called by run.sh, with the rows of
# results.tsv grouped by tool (a row of the other tool between two points would break the line).
set terminal pngcairo size 1100,420 font "sans,10"
set output output
set datafile separator "\t"
set key top left
set logscale x
set xlabel "targets (log scale)"
set grid
set multiplot layout 1,2
set title "CPU per 1,000 probes (ms, log scale)"
set logscale y
plot results using 2:(strcol(1) eq "logcollector-exporter" ? $3 : 1/0) with linespoints lw 2 pt 7 title "logcollector-exporter", \
     results using 2:(strcol(1) eq "blackbox_exporter" ? $3 : 1/0) with linespoints lw 2 pt 5 title "blackbox\\_exporter"
unset logscale y
set title "peak RSS (MiB)"
set yrange [0:*]
plot results using 2:(strcol(1) eq "logcollector-exporter" ? $4 : 1/0) with linespoints lw 2 pt 7 title "logcollector-exporter", \
     results using 2:(strcol(1) eq "blackbox_exporter" ? $4 : 1/0) with linespoints lw 2 pt 5 title "blackbox\\_exporter"
unset multiplot
