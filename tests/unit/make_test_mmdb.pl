#!/usr/bin/perl
# make_test_mmdb.pl: write a small MaxMind DB (.mmdb) for the tests, with
# Debian's libmaxmind-db-writer-perl (real MaxMind DB files, GeoIP2
# layout: continent.code, country.iso_code).
#
# usage: make_test_mmdb.pl [-6] [-t TYPE] OUT.mmdb NETWORK=SPEC...
#   -6       an IPv6 database (IPv4 networks go under ::/96, as in
#            MaxMind's own files); default an IPv4 one
#   -t TYPE  database_type in the metadata (default Umbra-Test-Country)
#   SPEC     CONTINENT:COUNTRY, either may be empty (the key is then left
#            out): "EU:FR", "EU:", ":FR"; a COUNTRY of "#N" stores
#            iso_code as the integer N; "asn:N" a record with only
#            autonomous_system_number N (as in an ASN database)
# Later networks override earlier ones where they overlap (insert order).
# Reserved networks are kept (remove_reserved_networks => 0), so test
# ranges like 10.0.0.0/8 and 192.0.2.0/24 can be used.
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my $v6   = 0;
my $type = 'Umbra-Test-Country';
while ( @ARGV && $ARGV[0] =~ /^-/ ) {
    my $o = shift @ARGV;
    if    ( $o eq '-6' ) { $v6   = 1 }
    elsif ( $o eq '-t' ) { $type = shift @ARGV }
    else                 { die "make_test_mmdb.pl: unknown option $o\n" }
}
my $out = shift @ARGV or die "usage: make_test_mmdb.pl [-6] [-t TYPE] OUT NET=SPEC...\n";

my %types = (
    continent                => 'map',
    country                  => 'map',
    code                     => 'utf8_string',
    autonomous_system_number => 'uint32',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => $v6 ? 6 : 4,
    record_size              => 24,
    database_type            => $type,
    languages                => ['en'],
    description              => { en => 'Umbra test database' },
    remove_reserved_networks => 0,
    alias_ipv6_to_ipv4       => $v6 ? 1 : 0,
    map_key_type_callback    => sub {
        my ( $key, $value ) = @_;
        return $value =~ /^\d+$/ ? 'uint32' : 'utf8_string'
            if $key eq 'iso_code';
        return $types{$key} // die "make_test_mmdb.pl: no type for key $key\n";
    },
);

for my $arg (@ARGV) {
    my ( $net, $spec ) = split /=/, $arg, 2;
    die "make_test_mmdb.pl: bad argument $arg\n" unless defined $spec;
    $net = "::$net" if $v6 && $net !~ /:/;    # IPv4 under ::/96
    if ( $net =~ m{^::(\d+\.\d+\.\d+\.\d+)/(\d+)$} ) {
        $net = "::$1/" . ( $2 + 96 );
    }
    my %rec;
    if ( $spec =~ /^asn:(\d+)$/ ) {
        $rec{autonomous_system_number} = $1;
    }
    else {
        my ( $cont, $country ) = split /:/, $spec, 2;
        $country //= '';
        $rec{continent} = { code => $cont } if length $cont;
        if ( $country =~ /^#(\d+)$/ ) {
            $rec{country} = { iso_code => $1 + 0 };
        }
        elsif ( length $country ) {
            $rec{country} = { iso_code => $country };
        }
    }
    $tree->insert_network( $net, \%rec );
}

open my $fh, '>:raw', $out or die "make_test_mmdb.pl: $out: $!\n";
$tree->write_tree($fh);
close $fh or die "make_test_mmdb.pl: $out: $!\n";
