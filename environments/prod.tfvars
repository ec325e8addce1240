# Production. Scale by changing a number here, then: make synth && terraform plan (README, "The daily loop").
state_key = "global/multi-region/terraform.tfstate"

vpc_primary_cidr   = "10.0.0.0/16"
vpc_secondary_cidr = "10.1.0.0/16"

eks_primary_desired_size = 3
eks_primary_min_size     = 3
eks_primary_max_size     = 10

eks_secondary_desired_size = 2
eks_secondary_min_size     = 2
eks_secondary_max_size     = 10

db_primary_instance_class = "db.r6g.large"
db_allocated_storage      = 100
db_multi_az               = true
backup_retention_period   = 7
backup_window             = "04:00-05:00"

redis_node_type          = "cache.r6g.large"
redis_num_cache_clusters = 2

primary_ingress_hostname   = "ingress-eu-west-1.luneo.app"
secondary_ingress_hostname = "ingress-us-east-1.luneo.app"

# Who hears the alarms (prod must name at least one; each address confirms its subscription once).
alarm_emails = ["oncall@luneo.app"]

# The cache in both regions (an ElastiCache Global Datastore; promoted in a failover).
redis_global_datastore = true

# DNS failover: PRIMARY/SECONDARY records and HTTPS health checks, in the zone looked up by name.
dns_zone_name   = "luneo.app"
dns_record_name = "app.luneo.app"

# Image pulls and AWS calls off the NAT gateways (make cost prices the endpoints and what they save).
vpc_interface_endpoints = true
