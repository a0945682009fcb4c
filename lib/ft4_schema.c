/* ft4_schema.c: flowtuple4.avsc (FLOWTUPLE4.md), the contract of the
 * output files, as a C string written into every file header.
 *
 * The string holds exactly the bytes of lib/flowtuple4.avsc (a copy of the
 * shared spec, installed with the library), split into literals of at
 * most 80 columns; test_ft4 compares the two byte for byte.  When the
 * schema changes, copy the file and redo this string from it.
 */
#include "ft4.h"

/* clang-format off */
const char ft4_schema_json[] =
	"{\n"
	"  \"type\": \"record\",\n"
	"  \"namespace\": \"org.caida.corsaro\",\n"
	"  \"name\": \"flowtuple4\",\n"
	"  \"doc\": \"One flowtuple (v4): packets of one interval that share "
	"source IP, destination /16, destination port and protocol.\",\n"
	"  \"fields\": [\n"
	"    {\"name\": \"time\",                 \"type\": \"long\"},\n"
	"    {\"name\": \"src_ip\",               \"type\": \"long\"},\n"
	"    {\"name\": \"dst_net\",              \"type\": \"long\"},\n"
	"    {\"name\": \"dst_port\",             \"type\": \"int\"},\n"
	"    {\"name\": \"protocol\",             \"type\": \"int\"},\n"
	"    {\"name\": \"packet_cnt\",           \"type\": \"long\"},\n"
	"    {\"name\": \"uniq_dst_ips\",         \"type\": \"int\"},\n"
	"    {\"name\": \"uniq_pkt_sizes\",       \"type\": \"int\"},\n"
	"    {\"name\": \"uniq_ttls\",            \"type\": \"int\"},\n"
	"    {\"name\": \"uniq_src_ports\",       \"type\": \"int\"},\n"
	"    {\"name\": \"uniq_tcp_flags\",       \"type\": \"int\"},\n"
	"    {\"name\": \"first_syn_length\",     \"type\": \"int\"},\n"
	"    {\"name\": \"first_tcp_rwin\",       \"type\": \"int\"},\n"
	"    {\"name\": \"common_pkt_sizes\",     \"type\": {\"type\": "
	"\"array\", \"items\": \"long\"}},\n"
	"    {\"name\": \"common_pktsize_freqs\", \"type\": {\"type\": "
	"\"array\", \"items\": \"long\"}},\n"
	"    {\"name\": \"common_ttls\",          \"type\": {\"type\": "
	"\"array\", \"items\": \"long\"}},\n"
	"    {\"name\": \"common_ttl_freqs\",     \"type\": {\"type\": "
	"\"array\", \"items\": \"long\"}},\n"
	"    {\"name\": \"common_srcports\",      \"type\": {\"type\": "
	"\"array\", \"items\": \"long\"}},\n"
	"    {\"name\": \"common_srcport_freqs\", \"type\": {\"type\": "
	"\"array\", \"items\": \"long\"}},\n"
	"    {\"name\": \"common_tcpflags\",      \"type\": {\"type\": "
	"\"array\", \"items\": \"long\"}},\n"
	"    {\"name\": \"common_tcpflag_freqs\", \"type\": {\"type\": "
	"\"array\", \"items\": \"long\"}},\n"
	"    {\"name\": \"maxmind_continent\",    \"type\": \"string\"},\n"
	"    {\"name\": \"maxmind_country\",      \"type\": \"string\"},\n"
	"    {\"name\": \"netacq_continent\",     \"type\": \"string\"},\n"
	"    {\"name\": \"netacq_country\",       \"type\": \"string\"},\n"
	"    {\"name\": \"prefix2asn\",           \"type\": \"long\"}\n"
	"  ]\n"
	"}\n";
/* clang-format on */
