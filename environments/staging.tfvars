# Staging: smaller and cheaper than prod (`make cost` prints what each environment costs; docs/COST.md).
state_key = "staging/multi-region/terraform.tfstate"

eks_primary_desired_size = 2
eks_primary_min_size     = 1
eks_primary_max_size     = 4

eks_secondary_desired_size = 1
eks_secondary_min_size     = 1
eks_secondary_max_size     = 2

db_primary_instance_class = "db.t3.medium"
db_allocated_storage      = 20
backup_retention_period   = 7
backup_window             = "04:00-05:00"

redis_node_type          = "cache.t3.micro"
redis_num_cache_clusters = 1

# Who hears staging's alarms (every environment names at least one; each address confirms once).
alarm_emails = ["platform@luneo.app"]

primary_ingress_hostname   = "ingress-eu-west-1.staging.luneo.app"
secondary_ingress_hostname = "ingress-us-east-1.staging.luneo.app"

# Staging trades zone redundancy for cost.
vpc_primary_cidr   = "10.10.0.0/16"
vpc_secondary_cidr = "10.11.0.0/16"
single_nat_gateway = true
db_multi_az        = false

# DNS failover in the same zone, so that a failover is rehearsed on staging first.
dns_zone_name   = "luneo.app"
dns_record_name = "app.staging.luneo.app"
