// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.xlat.XlatCounters;

/**
 * {@code tunxlat_batch_size_packets} as a real Prometheus histogram, built at scrape time from the
 * workers' published bucket counts (plain longs on the hot path; Micrometer's DistributionSummary
 * would need a call per batch from the worker).
 */
final class BatchSizeCollector extends Collector {
    private final List<XlatCounters> workers;
    /** The registry's constant labels (Micrometer's common tags do not reach a collector of our own). */
    private final List<String> constantNames;
    private final List<String> constantValues;

    BatchSizeCollector(List<XlatCounters> workers, List<String> constantNames, List<String> constantValues) {
        this.workers = List.copyOf(workers);
        this.constantNames = List.copyOf(constantNames);
        this.constantValues = List.copyOf(constantValues);
    }

    private List<String> with(List<String> constants, String more) {
        List<String> l = new ArrayList<>(constants);
        if (more != null) {
            l.add(more);
        }
        return l;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        String name = MetricCatalogue.BATCH_SIZE;
        List<MetricFamilySamples.Sample> samples = new ArrayList<>();
        List<String> le = with(constantNames, "le");
        long cumulative = 0;
        for (int b = 0; b < XlatCounters.BATCH_BUCKETS; b++) {
            for (XlatCounters c : workers) {
                cumulative += c.batchBucketCount(b);
            }
            long bound = XlatCounters.batchBucketBound(b);
            String leValue = bound == Long.MAX_VALUE ? "+Inf" : doubleToGoString(bound);
            samples.add(new MetricFamilySamples.Sample(name + "_bucket", le, with(constantValues, leValue), cumulative));
        }
        long sum = 0;
        for (XlatCounters c : workers) {
            sum += c.get(XlatCounters.BATCH_PACKETS);
        }
        // The published counters are read one at a time while workers publish: _count is the bucket
        // total (not XlatCounters.BATCHES, read at another instant) so that it equals the +Inf bucket.
        samples.add(new MetricFamilySamples.Sample(name + "_count", constantNames, constantValues, cumulative));
        samples.add(new MetricFamilySamples.Sample(name + "_sum", constantNames, constantValues, sum));
        return List.of(new MetricFamilySamples(name, Type.HISTOGRAM, MetricCatalogue.help(name), samples));
    }
}
