/// Valid user files: the sciencefs `config.toml` (as docs/CONFIGURATION.md documents it), Rucio's `rucio.cfg` (as
/// the Rucio client writes it) and the Agave CLI's credential cache `~/.agave/current` (object and one-element-list
/// forms).
enum ConfigCorpus {
    static let toml: [FuzzSeed] = [
        .text("config-toml", """
            cache_dir = "~/.cache/sciencefs"
            data_cache_size_mb = 4096
            entry_timeout = 30
            attr_timeout = 30.5

            [fts3]
            endpoint = "https://fts3.example.org:8446"
            proxy = "/tmp/x509up_u1000"
            ca_dir = "/etc/grid-security/certificates"
            verify_tls = true
            poll_interval = 2

            [sources.agave]
            type = "agave"
            base_url = "https://agave.example.org"
            credentials_file = "~/.agave/current"
            page_size = 100
            attribute_ttl = 10
            listing_ttl = 10.0
            negative_ttl = 5
            read_only = false
            transfer_urls = { "data.example.org" = "davs://gridftp.example.org:443/data" }

            [sources.rucio]
            type = "rucio"
            rucio_config = "~/rucio.cfg"
            account = "alice"
            upload_rse = "SITE_A"
            preferred_rses = ["SITE_B", "SITE_C"]
            scope_listing = "all"
            container_suffix = ".cont"

            [sources.amie]
            type = "amie"
            site_name = "PSC"
            api_key_env = "AMIE_API_KEY"

            [sources.jdma]
            type = "jdma"
            base_url = "https://jdma.ceda.ac.uk/jdma_control"
            username = "alice"
            workspaces = ["gws-climate"]
            staging_dir = "/gws/nopw/j04/gws-climate/alice/sciencefs-staging"
            read_timeout = 600
            quiet_period = 300
            allow_batch_delete = false

            """),
        .text("config-toml", """
            # minimal
            [sources.data]
            type = 'agave'
            base_url = 'https://agave.example.org'
            username = "alice"
            password = "s3cr3t"
            api_key = "k"
            api_secret = "s"
            verify_tls = false
            ca_bundle = "/etc/ssl/certs/ca.pem"

            """),
        .text("config-toml", """
            sources.r.type = "rucio"
            sources.r.rucio_host = "https://rucio.example.org"
            sources.r.auth_host = "https://rucio-auth.example.org"
            sources.r.auth_type = "x509"
            sources.r.client_cert = "~/.globus/usercert.pem"
            sources.r.client_key = "~/.globus/userkey.pem"
            sources.r.site = "CERN"
            """),
    ]

    static let rucioCfg: [FuzzSeed] = [
        .text("rucio-cfg", """
            [common]
            logdir = /var/log/rucio
            loglevel = DEBUG

            [client]
            rucio_host = https://rucio.example.org:443
            auth_host = https://rucio-auth.example.org:443
            auth_type = userpass
            username = alice
            password = s3cr3t
            ca_cert = /etc/grid-security/certificates
            account = alice
            vo = def
            request_retries = 3
            # a comment
            ; another comment
            protocol_stat_retries = 6

            """),
        .text("rucio-cfg", """
            [client]
            rucio_host: https://rucio.example.org
            auth_type: x509_proxy
            client_x509_proxy: /tmp/x509up_u1000
            Account: Alice
            long_value = first
              second line
            \tthird line

            """),
        .text("rucio-cfg", "[client]\r\nrucio_host = https://r.example.org\r\nauth_type = x509\r\nclient_cert = ~/.globus/usercert.pem\r\nclient_key = ~/.globus/userkey.pem\r\n"),
        .text("rucio-cfg", "[client]\nrucio_host = https://r.example.org\nauth_type = oidc\n"),
    ]

    static let agaveCredentials: [FuzzSeed] = [
        .json("agave-credentials", """
            {"tenantid":"example","baseurl":"https://agave.example.org","devurl":"","apisecret":"s3cr3t",
             "apikey":"k3y","username":"alice","access_token":"a1b2c3","refresh_token":"d4e5f6",
             "created_at":"1506030051","expires_in":"14400","expires_at":"Thu Sep 21 16:40:51 CDT 2017"}
            """),
        .json("agave-credentials", """
            [{"tenantid":"example","baseurl":"https://agave.example.org","apikey":"k3y","apisecret":"s3cr3t",
              "username":"alice","access_token":"a1b2c3","refresh_token":"d4e5f6","created_at":1506030051,"expires_in":14400}]
            """),
    ]

    static let tomlDictionary: [[UInt8]] = ([
        "[", "]", "[[", "]]", "=", "\"", "'", "\"\"\"", "'''", "\n", "\r\n", "#", ".", "{", "}", ",", " ", "\t", "\\",
        "nan", "inf", "-inf", "+inf", "-nan", "true", "false", "1979-05-27T07:32:00Z", "07:32:00", "1979-05-27",
        "1979-05-27T00:32:00.999999-07:00", "0x7fffffffffffffff", "0o777", "0b101", "9223372036854775807",
        "9223372036854775808", "-9223372036854775809", "1e400", "1_000", "-0", "+1", "\\u0000", "\\UFFFFFFFF", "\\ud800",
        "[sources.x]", "type = \"agave\"", "type = \"rucio\"", "[fts3]", "sources.a.type = \"jdma\"", "[sources.\"\"]",
        "[sources.\"..\"]", "[sources.\"a/b\"]", "= []", "= {}", "= [[[[[[[[", "\u{0}", "\u{FEFF}",
    ].map { Array($0.utf8) }) + [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80]]

    static let iniDictionary: [[UInt8]] = ([
        "[", "]", "[client]", "[common]", "=", ":", "#", ";", "\n", "\r\n", "\r", " ", "\t", "\n  ", "rucio_host = ",
        "auth_host = ", "auth_type = ", "x509", "oidc", "userpass", "x509_proxy", "gss", "username = ", "password = ",
        "client_cert = ", "%(here)s", "\u{0}", "\u{FEFF}", "İ", "ß", "=:=",
    ].map { Array($0.utf8) }) + [[0xFF], [0xC0, 0x80]]
}
